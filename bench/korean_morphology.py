"""Does a Korean morphological analyser (Kiwi) earn its place beside the bigram analysis?

usage: python bench/korean_morphology.py [FILE] [--texts 5000]

Needs ``kiwipiepy`` (not a project dependency: its model is 105 MB and it costs ~0.5 GB per
process): ``.venv/bin/pip install kiwipiepy==0.24.1``. FILE defaults to
``../shared/data/dev-set.json``. Prints:

1. the cost: model load time, resident memory added by the analyser, and analysis throughput
   (characters/s and description texts/s) over FILE's Korean descriptions, repeated to
   ``--texts`` (one process, one thread);
2. the gain: ``manage.py evaluate_search`` on FILE as it is, then on a copy of FILE where every
   Korean text of the solutions and every query has Kiwi's content morphemes (nouns, roots,
   verb and adjective stems, foreign words) appended, i.e. indexed and queried as a second
   token stream beside the bigrams, which is what a ``ko_morph`` field would add. Same
   command, same run, so the nDCG@10 difference is the analyser's.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
HANGUL = re.compile(r"[\uac00-\ud7a3]")
CONTENT_TAGS = ("NNG", "NNP", "XR", "VV", "VA", "SL", "SH")


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def morphemes(kiwi, text: str) -> str:
    return " ".join(t.form for t in kiwi.tokenize(text) if t.tag.startswith(CONTENT_TAGS))


def with_morphemes(kiwi, value):
    """Append the morphemes to every Korean string (``{"ko": ...}`` values and query texts)."""
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            if key in ("ko", "text") and isinstance(item, str) and HANGUL.search(item):
                out[key] = f"{item} {morphemes(kiwi, item)}"
            else:
                out[key] = with_morphemes(kiwi, item)
        return out
    if isinstance(value, list):
        return [with_morphemes(kiwi, item) for item in value]
    return value


def evaluate(path: Path) -> str:
    done = subprocess.run(
        [sys.executable, "manage.py", "evaluate_search", str(path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    line = next(line for line in done.stdout.splitlines() if line.startswith("search "))
    ndcg, recall, mrr = line.split()[1:4]
    return f"{ndcg:>9}{recall:>11}{mrr:>7}"


def korean_descriptions(data: dict, count: int) -> list[str]:
    """The file's Korean descriptions, repeated up to ``count`` (realistic prose, unlike the
    random word salad of the search benchmark's generator)."""
    texts = [
        s["description"]["ko"] for s in data["solutions"] if s.get("description", {}).get("ko")
    ]
    return [texts[i % len(texts)] for i in range(count)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("file", nargs="?", default=str(ROOT.parent / "shared/data/dev-set.json"))
    parser.add_argument("--texts", type=int, default=5000)
    args = parser.parse_args()
    try:
        import kiwipiepy
    except ImportError:
        sys.exit("kiwipiepy is not installed: .venv/bin/pip install kiwipiepy==0.24.1")

    source = Path(args.file)
    data = json.loads(source.read_text(encoding="utf-8"))
    texts = korean_descriptions(data, args.texts)
    before = rss_mb()
    started = time.perf_counter()
    kiwi = kiwipiepy.Kiwi()
    kiwi.tokenize("모델을 불러옵니다")
    load_s = time.perf_counter() - started
    loaded = rss_mb()
    started = time.perf_counter()
    for text in texts:
        kiwi.tokenize(text)
    spent = time.perf_counter() - started
    chars = sum(map(len, texts))
    print(
        f"kiwipiepy {kiwipiepy.__version__}: load {load_s:.1f} s, "
        f"+{loaded - before:.0f} MB resident after load, {rss_mb():.0f} MB process total"
    )
    print(
        f"analysis: {chars / spent:,.0f} chars/s, {len(texts) / spent:,.0f} descriptions/s "
        f"({len(texts)} Korean descriptions of the file, mean {chars / len(texts):.0f} chars)"
    )

    data["solutions"] = with_morphemes(kiwi, data["solutions"])
    data["queries"] = with_morphemes(kiwi, data.get("queries", []))
    with tempfile.TemporaryDirectory() as tmp:
        augmented = Path(tmp) / "with-morphemes.json"
        augmented.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
        print(f"{'':28}{'nDCG@10':>9}{'recall@10':>11}{'MRR':>7}")
        print(f"{'bigrams (the product)':28}{evaluate(source)}")
        print(f"{'bigrams + Kiwi morphemes':28}{evaluate(augmented)}")


if __name__ == "__main__":
    main()
