"""The build: plan page × locale × format jobs, run those whose inputs changed, write outputs.

    plan          which jobs are up to date, which run, which are refused (BuildRequest)
    run           build(): lock, plan, schedule, write and record each outcome, report
    outputs       output names, the writer (atomic, each path once), removal
    state         what each job was built from and wrote (state file and journal)
    fingerprints  everything a job's outputs depend on, as one digest
    scheduling    where page tasks run: in this process or in worker processes
    dask_cluster  page tasks on a Dask cluster (the optional extra publish[dask])
    report        the build report (build-report.json)
    progress      a live bar on a terminal, plain lines in logs, a summary table

Rendering one page is `publish.rendering`, below the build: `render_page` is re-exported
here for library use, with `build`.
"""

from publish.build.plan import BuildRequest
from publish.build.report import BuildReport
from publish.build.run import build
from publish.rendering import JobOutcome, RendererPool, iter_render_page, render_page

__all__ = ["BuildReport", "BuildRequest", "JobOutcome", "RendererPool", "build",
           "iter_render_page", "render_page"]
