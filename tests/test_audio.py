"""The `audio` renderer end to end: real espeak-ng speech, real ffmpeg encoding, read back.

The seed page is rendered once per module (about four minutes of speech, ~2 CPU-s); format and
setting checks use a two-sentence leaflet. The listening-back test (pocketsphinx) is `slow`.
"""

from __future__ import annotations

import collections
import json
import re
import shutil
import subprocess
from array import array
from pathlib import Path

import pytest

from publish.config import build_config, load_config
from publish.errors import RenderError
from publish.locale import Locale
from publish.model import Leaflet, Origin, Paragraph, SafetyText, Section, SectionKind, Span, Text
from publish.reader import read_page
from publish.renderers import get_renderer_class
from publish.renderers.audio import AudioRenderer
from publish.renderers.base import RenderContext
from publish.speech import synthesise
from publish.speech.engine import SpeechEngine
from publish.speech.timeline import LEAD_IN, TAIL
from publish.speech.voices import voice_for

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "content" / "naltrexone.md"
FFMPEG = shutil.which("ffmpeg")
FFPROBE = shutil.which("ffprobe")

pytestmark = pytest.mark.skipif(FFMPEG is None or FFPROBE is None
                                or shutil.which("espeak-ng") is None,
                                reason="needs ffmpeg, ffprobe and espeak-ng")


# --- helpers ----------------------------------------------------------------------------------


def _text(value: str, ident: str) -> Text:
    return Text((Span(value),), 1, ident)


def make_leaflet(title: str, sections: list[tuple[str, list[str]]], disclaimer: str,
                 note: str, language: str = "en") -> Leaflet:
    return Leaflet(
        source="test.md", title=title, generic_name=title, language=language, extras=(),
        preamble=(),
        sections=tuple(
            Section(SectionKind.OTHER, _text(heading, f"h{i}"),
                    tuple(Paragraph(_text(p, f"p{i}.{j}")) for j, p in enumerate(paragraphs)))
            for i, (heading, paragraphs) in enumerate(sections)),
        disclaimer=SafetyText(_text(disclaimer, "d"), Origin.SITE),
        ai_note=SafetyText(_text(note, "n"), Origin.SITE))


TINY = make_leaflet("Testamol", [("Usage", ["Testamol eases mild pain within an hour."])],
                    "Ask a doctor first.", "A machine wrote this text.")


def render(leaflet: Leaflet, audio: dict | None = None, locale: str = "en",
           strings=None):  # type: ignore[no-untyped-def]
    config = build_config({"audio": audio or {}}, ROOT)
    renderer = AudioRenderer()
    context = (RenderContext(config=config, locale=locale) if strings is None else
               RenderContext(config=config, locale=locale, strings=strings))
    result = renderer.render(leaflet, context)
    return {f.suffix: f.data for f in result.files}, renderer.last_report


def decode(data: bytes, suffix: str, tmp: Path, rate: int = 22050) -> bytes:
    path = tmp / f"audio{suffix}"
    path.write_bytes(data)
    done = subprocess.run([FFMPEG, "-nostdin", "-v", "error", "-i", str(path), "-f", "s16le",
                           "-ac", "1", "-ar", str(rate), "-"], capture_output=True, check=True)
    assert done.stderr == b"", done.stderr.decode()
    return done.stdout


def probe(data: bytes, suffix: str, tmp: Path) -> dict:
    path = tmp / f"probe{suffix}"
    path.write_bytes(data)
    out = subprocess.run([FFPROBE, "-v", "error", "-show_chapters", "-show_format",
                          "-show_streams", "-of", "json", str(path)],
                         capture_output=True, check=True, text=True).stdout
    return json.loads(out)


def loudness(data: bytes, suffix: str, tmp: Path) -> float:
    path = tmp / f"loud{suffix}"
    path.write_bytes(data)
    err = subprocess.run([FFMPEG, "-nostdin", "-hide_banner", "-nostats", "-i", str(path),
                          "-af", "ebur128=framelog=verbose", "-f", "null", "-"],
                         capture_output=True, text=True, check=True).stderr
    return float(re.findall(r"I:\s*(-?[\d.]+) LUFS", err)[-1])


def seconds(stamp: str) -> float:
    hours, minutes, rest = stamp.split(":")
    return int(hours) * 3600 + int(minutes) * 60 + float(rest)


def read_cues(vtt: bytes, tmp: Path) -> list[tuple[float, float, str]]:
    import webvtt

    path = tmp / "captions.vtt"
    path.write_bytes(vtt)
    # webvtt-py's *_in_seconds are whole seconds: parse the stamps themselves.
    return [(seconds(c.start), seconds(c.end), " ".join(c.text.split()))
            for c in webvtt.read(str(path))]


def words(text: str) -> list[str]:
    return re.findall(r"\w+", text.lower())


# --- the seed page ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def seed():
    config = load_config(root=ROOT)
    leaflet = read_page(SEED, config, key="naltrexone.md")
    renderer = get_renderer_class("audio")()
    result = renderer.render(leaflet, RenderContext(config=config, locale="en"))
    files = {f.suffix: f.data for f in result.files}
    return leaflet, files, renderer.last_report, config


def test_outputs_and_safety_texts(seed):
    leaflet, files, report, _ = seed
    assert list(files) == [".mp3", ".vtt", ".txt"]
    assert AudioRenderer.safety_suffix == ".txt"
    transcript = files[".txt"].decode("utf-8")
    assert leaflet.disclaimer.text.plain in transcript
    assert leaflet.ai_note.text.plain in transcript
    assert transcript.rstrip().endswith(leaflet.ai_note.text.plain)
    assert transcript.startswith("This information was generated by AI and is not medical "
                                 "advice.\nNaltrexone\n")


def test_duration_fits_word_count_and_rate(seed, tmp_path):
    _, files, report, config = seed
    script, recording = report.script, report.recording
    settings = config.table("audio")
    speech = script.spoken_words / settings["rate"] * 60
    utterances = script.utterances
    pauses = sum(settings["section_pause"] if u.pause == "section" else settings["sentence_pause"]
                 for u in utterances[1:])
    expected = speech + pauses + LEAD_IN + TAIL
    decoded = len(decode(files[".mp3"], ".mp3", tmp_path)) / 2 / 22050
    assert abs(decoded - recording.duration) < 0.1
    assert 0.8 < decoded / expected < 1.3, (decoded, expected)
    # What a listener hears: 160–175 words a minute by default, slower with the pauses.
    spoken_time = sum(end - start for start, end in
                      ((c.start, c.end) for c in recording.cues))
    assert 120 < script.spoken_words / spoken_time * 60 < 200


def test_chapters_and_tags(seed, tmp_path):
    from mutagen.id3 import ID3

    leaflet, files, report, config = seed
    path = tmp_path / "seed.mp3"
    path.write_bytes(files[".mp3"])
    id3 = ID3(str(path))
    toc = id3.getall("CTOC")[0]
    chapters = {frame.element_id: frame for frame in id3.getall("CHAP")}
    titles = [chapters[child].sub_frames["TIT2"].text[0] for child in toc.child_element_ids]
    headings = [s.heading.plain.rstrip(":") for s in leaflet.sections]
    assert titles == [*headings, "Disclaimer and AI note"]
    starts = [chapters[child].start_time for child in toc.child_element_ids]
    ends = [chapters[child].end_time for child in toc.child_element_ids]
    assert starts[0] == 0 and starts == sorted(starts) and starts[1:] == ends[:-1]
    assert abs(ends[-1] / 1000 - report.recording.duration) < 0.01
    assert id3["TIT2"].text == ["Naltrexone"]
    assert id3["TALB"].text == [config.site["name"]]
    assert id3["TLAN"].text == ["eng"]
    assert id3.getall("COMM")[0].text == [leaflet.ai_note.text.plain]
    info = probe(files[".mp3"], ".mp3", tmp_path)
    assert [c["tags"]["title"] for c in info["chapters"]] == titles


def test_vtt_parses_and_covers_the_script_in_order(seed, tmp_path):
    _, files, report, _ = seed
    cues = read_cues(files[".vtt"], tmp_path)
    assert len(cues) == len(report.script.utterances)
    assert words(" ".join(text for _, _, text in cues)) == words(files[".txt"].decode())
    previous_end = 0.0
    for start, end, _ in cues:
        assert previous_end <= start < end
        previous_end = end
    assert previous_end <= report.recording.duration


def test_cue_times_match_the_audio(seed, tmp_path):
    """Speech starts and stops within 0.1 s of every cue's times, in the decoded MP3."""
    _, files, _, _ = seed
    samples = array("h", decode(files[".mp3"], ".mp3", tmp_path))
    frame = 110  # 5 ms
    envelope = [max(max(samples[i:i + frame]), -min(samples[i:i + frame]))
                for i in range(0, len(samples) - frame, frame)]
    step = frame / 22050
    cues = read_cues(files[".vtt"], tmp_path)
    for start, end, text in cues:
        window = range(int((start - 0.15) / step), min(int((end + 0.15) / step), len(envelope)))
        loud = [k for k in window if envelope[k] > 200]
        assert loud, text
        assert abs(loud[0] * step - start) < 0.1, (text, loud[0] * step, start)
        assert abs((loud[-1] + 1) * step - end) < 0.1, (text, (loud[-1] + 1) * step, end)
    for (_, end, _), (start, _, _) in zip(cues, cues[1:]):
        gap = envelope[int((end + 0.05) / step):int((start - 0.05) / step)]
        assert max(gap, default=0) < 200


def test_mp3_is_loudness_normalised(seed, tmp_path):
    _, files, report, _ = seed
    assert report.loudness < -20.0  # espeak's own level: the gain did something
    assert abs(loudness(files[".mp3"], ".mp3", tmp_path) - (-19.0)) <= 1.0


def test_respelled_drug_name_is_what_the_engine_says(seed):
    _, _, report, _ = seed
    spoken = " ".join(u.spoken for u in report.script.utterances)
    assert "nal trecksone" in spoken and "Naltrexone" not in spoken


# --- settings and formats (tiny leaflet) ------------------------------------------------------


@pytest.mark.parametrize("container", ["opus", "m4b", "wav"])
def test_other_formats(container, tmp_path):
    files, report = render(TINY, {"format": container})
    assert list(files) == [f".{container}", ".vtt", ".txt"]
    pcm = decode(files[f".{container}"], f".{container}", tmp_path)
    assert abs(len(pcm) / 2 / 22050 - report.recording.duration) < 0.1
    info = probe(files[f".{container}"], f".{container}", tmp_path)
    titles = [c["tags"]["title"] for c in info["chapters"]]
    if container == "wav":
        assert titles == []  # WAV has no chapter marks; the VTT still gives the structure
    else:
        assert titles == ["Usage", "Disclaimer and AI note"]
    # Ogg keeps its tags in the stream's Vorbis comment, other containers at file level.
    found = {**info["format"].get("tags", {}), **info["streams"][0].get("tags", {})}
    tags = {k.lower(): v for k, v in found.items()}
    assert tags.get("title") == "Testamol"
    assert tags.get("album") == "Medicine information"
    assert tags.get("comment") == "A machine wrote this text."


def test_rate_setting_changes_the_pace():
    _, slow = render(TINY, {"rate": 120, "format": "wav"})
    _, fast = render(TINY, {"rate": 240, "format": "wav"})
    speech = [sum(c.end - c.start for c in r.recording.cues) for r in (slow, fast)]
    assert 1.5 < speech[0] / speech[1] < 2.6


def test_pause_and_loudness_settings(tmp_path):
    files, report = render(TINY, {"format": "wav", "loudness": -23.0,
                                  "sentence_pause": 0.8, "section_pause": 2.0})
    cues = report.recording.cues
    gaps = [b.start - a.end for a, b in zip(cues, cues[1:])]
    assert min(gaps) == pytest.approx(0.8, abs=0.002)
    assert max(gaps) == pytest.approx(2.0, abs=0.002)
    assert abs(loudness(files[".wav"], ".wav", tmp_path) - (-23.0)) <= 0.5


def test_bad_settings_are_config_errors():
    from publish.errors import ConfigError

    with pytest.raises(ConfigError, match="rate"):
        render(TINY, {"rate": 20})
    with pytest.raises(ConfigError, match="format"):
        build_config({"audio": {"format": "flac"}}, ROOT)


def test_no_voice_or_no_speech_data_is_a_clear_error(tmp_path):
    config = build_config({}, tmp_path)  # no French speech data anywhere
    with pytest.raises(RenderError, match="no speech data for locale 'fr'"):
        AudioRenderer().render(TINY, RenderContext(config=config, locale="fr"))
    # French rules that name no voice: the page fails, saying where the voice goes.
    (tmp_path / "locales" / "fr").mkdir(parents=True)
    english = (ROOT / "publish" / "data" / "locales" / "en" / "speech.toml").read_text()
    (tmp_path / "locales" / "fr" / "speech.toml").write_text(
        english.split("[voice]")[0] + "[words]" + english.split("[words]", 1)[1])
    with pytest.raises(RenderError, match="no speech voice for locale 'fr'.*speech.toml"):
        AudioRenderer().render(TINY, RenderContext(config=config, locale="fr"))
    with pytest.raises(RenderError, match="has no voice"):
        render(TINY, {"voice": "gmw/xx-nowhere"})


def test_voice_is_read_back_after_switching(tmp_path):
    engine = SpeechEngine()
    for voice in ("roa/es", "gmw/en-us", "sit/cmn-latn-pinyin"):
        engine.configure(voice, 150)
        clip = engine.synthesise("ni hao" if voice.startswith("sit") else "hola", tmp_path)
        assert clip.frames > 0
        assert engine.current_voice() == voice
        assert engine.current_rate() == 150


# --- another locale ---------------------------------------------------------------------------

SPANISH = {
    "This information was generated by AI and is not medical advice.":
        "Esta información la generó una IA y no es consejo médico.",
    "Disclaimer and AI note": "Aviso y nota sobre la IA",
    "Question: {text}": "Pregunta: {text}",
    "Answer: {text}": "Respuesta: {text}",
    "Medicine information": "Información sobre medicamentos",  # the site's name (album tag)
}


class SpanishStrings:
    def gettext(self, message: str) -> str:
        return SPANISH[message]

    def pgettext(self, context: str, message: str) -> str:
        return SPANISH[message]

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return SPANISH[singular if n == 1 else plural]


ES_LEAFLET = make_leaflet(
    "Naltrexona",
    [("Uso", ["La naltrexona se usa para tratar la dependencia del alcohol y de los opioides."]),
     ("Dosis", ["Adultos: 25-50 mg al día por vía oral; ≥18 años.",
                "No la tome si pesa <40 kg sin consultar."])],
    "Esta información no sustituye el consejo de un profesional sanitario.",
    "Esta información fue generada por IA y puede no ser exacta.", language="es")


def test_spanish_word_events_cover_the_whole_script(tmp_path):
    config = build_config({}, ROOT)
    context = RenderContext(config=config, locale="es", strings=SpanishStrings())
    script = AudioRenderer().script(ES_LEAFLET, context)
    assert "Esta información fue generada por IA y puede no ser exacta." in script.transcript()
    engine = SpeechEngine()
    engine.configure(voice_for(config.locales_dir, Locale.parse("es")), 165)
    clips = synthesise(script, engine, tmp_path)
    missed = []
    for utterance, clip in zip(script.utterances, clips):
        covered = set()
        for start, length in clip.words:
            covered.update(range(start, start + length))
        for match in re.finditer(r"\w+", utterance.spoken):
            if not covered & set(range(match.start(), match.end())):
                missed.append((match[0], utterance.spoken))
    total = sum(len(re.findall(r"\w+", u.spoken)) for u in script.utterances)
    assert total > 60 and missed == []
    spoken = " ".join(u.spoken for u in script.utterances)
    assert "25 a 50 miligramos" in spoken and "menos de 40 kilogramos" in spoken
    assert "al menos 18" in spoken


def test_spanish_render(tmp_path):
    files, report = render(ES_LEAFLET, {"format": "wav"}, locale="es", strings=SpanishStrings())
    assert report.recording.chapters[-1].title == "Aviso y nota sobre la IA"
    assert ES_LEAFLET.ai_note.text.plain in files[".txt"].decode()


# --- listening back ---------------------------------------------------------------------------

# Pronunciations the recogniser's dictionary lacks, for the seed page's words.
EXTRA_PRONUNCIATIONS = {
    "naltrexone": "N AE L T R EH K S OW N", "opioid": "OW P IY OY D",
    "opioids": "OW P IY OY D Z", "sourced": "S AO R S T", "codeine": "K OW D IY N",
    "detoxified": "D IY T AA K S AH F AY D", "faqs": "EH F EY K Y UW Z",
    "neurotransmitters": "N UH R OW T R AE N Z M IH T ER Z",
}


class Listener:
    """pocketsphinx with a language model built from the page's own words only."""

    def __init__(self, transcript: str, folder: Path) -> None:
        from pocketsphinx import Decoder, get_model_path
        from pocketsphinx.lm import ArpaBoLM

        model = Path(get_model_path()) / "en-us"
        known: dict[str, list[str]] = collections.defaultdict(list)
        with open(model / "cmudict-en-us.dict", encoding="utf-8") as handle:
            for line in handle:
                word, _, phones = line.strip().partition(" ")
                known[re.sub(r"\(\d+\)$", "", word)].append(phones)
        for word, phones in EXTRA_PRONUNCIATIONS.items():
            known.setdefault(word, [phones])
        vocabulary = set(self.tokens(transcript))
        self.known = {word for word in vocabulary if word in known}
        assert len(self.known) >= 0.95 * len(vocabulary), vocabulary - self.known
        with open(folder / "page.dict", "w", encoding="utf-8") as handle:
            for word in sorted(self.known):
                for number, phones in enumerate(known[word], start=1):
                    handle.write(f"{word if number == 1 else f'{word}({number})'} {phones}\n")
        sentences = "\n".join(" ".join(t for t in self.tokens(line) if t in self.known)
                              for line in re.split(r"[.!?\n]", transcript))
        lm = ArpaBoLM(text=sentences, add_start=True)
        lm.compute()
        lm.write_file(str(folder / "page.arpa"))
        self.decoder = Decoder(hmm=str(model / "en-us"), dict=str(folder / "page.dict"),
                               lm=str(folder / "page.arpa"), loglevel="FATAL")

    @staticmethod
    def tokens(text: str) -> list[str]:
        return re.findall(r"[a-z']+", text.lower().replace("-", " "))

    def hear(self, pcm16k: bytes, start: float, end: float) -> str:
        self.decoder.start_utt()
        self.decoder.process_raw(pcm16k[2 * int(start * 16000):2 * int(end * 16000)],
                                 full_utt=True)
        self.decoder.end_utt()
        hypothesis = self.decoder.hyp()
        return hypothesis.hypstr if hypothesis else ""

    def recall(self, text: str, pcm16k: bytes, spans: list[tuple[float, float]]) -> float:
        heard = collections.Counter(self.tokens(" ".join(self.hear(pcm16k, s, e)
                                                         for s, e in spans)))
        wanted = collections.Counter(t for t in self.tokens(text) if t in self.known)
        return sum((wanted & heard).values()) / sum(wanted.values())


@pytest.mark.slow
def test_listening_back_finds_the_disclaimer_and_the_ai_note(seed, tmp_path):
    pytest.importorskip("pocketsphinx")
    leaflet, files, report, _ = seed
    pcm = decode(files[".mp3"], ".mp3", tmp_path, rate=16000)
    listener = Listener(files[".txt"].decode(), tmp_path)
    safety = report.recording.chapters[-1]
    cues = [c for c in report.recording.cues if c.start >= safety.start]
    texts = {"disclaimer": leaflet.disclaimer.text.plain, "AI note": leaflet.ai_note.text.plain}
    spans = {name: [(c.start - 0.15, c.end + 0.3) for c in cues if c.text in text]
             for name, text in texts.items()}
    assert all(spans.values())
    found = {name: listener.recall(texts[name], pcm, spans[name]) for name in texts}

    # Negative control: the same audio with the safety chapter replaced by other speech from
    # the same page (same voice, same words on offer to the recogniser), checked the same way.
    first = report.recording.chapters[1]
    cut = (int(safety.start * 16000) * 2, len(pcm))
    donor = pcm[int(first.start * 16000) * 2:][:cut[1] - cut[0]]
    without = pcm[:cut[0]] + donor + bytes(cut[1] - cut[0] - len(donor))
    missing = {name: listener.recall(texts[name], without, spans[name]) for name in texts}
    print(f"\nlistening back: recall with {found}, without {missing}")
    assert all(value >= 0.6 for value in found.values()), found
    assert all(value < 0.6 for value in missing.values()), missing
