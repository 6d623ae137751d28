"""`publish serve`: a live preview of the output folder, rebuilt as its sources change.

    paths   which file of the output folder a request names (never one outside it)
    status  the build generation and errors that open pages are told about
    http    the server: files, folder listings, the reload script injected at send time
    watch   the sources watched and the incremental rebuild each change runs
"""

from publish.serve.http import PreviewServer
from publish.serve.status import SiteStatus
from publish.serve.watch import Choice, Previewer

__all__ = ["Choice", "PreviewServer", "Previewer", "SiteStatus"]
