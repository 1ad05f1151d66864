"""Chinese word segmentation of reviews, complaints and staff opinions into themes (blind spots, issue 19 §4).

jieba 0.42.1 in its accurate mode (``cut``, with HMM for words the dictionary lacks), on its own
``jieba.Tokenizer`` (jieba's global one is left alone), with the government-services user dictionary
``data/gov_dict.txt`` (一网通办, 随申办, 好差评, 营业执照, 不动产登记 … kept whole) and the stop words of
``data/stop_words.txt``. The dictionary is loaded once per process, lazily, on the first text (about two
seconds and 110 MB; jieba keeps its prefix dictionary cached in the temporary directory): never per request,
and only in the processes that compute reports (the maintenance sweep, the command), never in a web worker.

Why jieba and not rjieba (jieba-rs, about ten times faster): segmentation runs when the monthly report is
computed, never on a page view, and a month of texts takes seconds; jieba is pure Python (no native wheel to
match every platform a self-hosted install runs on) and loads a user dictionary file with frequencies and
tags as it is (``load_userdict``), while rjieba 0.2 only adds words one by one and is a young 0.x binding.

A *theme* is a word of a text that is at least two characters long, not a stop word, and either contains a
Chinese character or is a Latin word (``app``); digits, masks (``138****0001``) and counted things (两个,
三次) are no theme, except terms of the user dictionary (``12345``; a run of six digits or more is dropped
before cutting, so a number typed in whole never yields one). Latin words are case-folded and full-width
forms made half-width (NFKC) first. A text counts once for each theme it contains, however often it repeats it."""

from __future__ import annotations

import logging
import re
import threading
import unicodedata
from functools import cache
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data"
USER_DICT = DATA / "gov_dict.txt"
STOP_WORDS = DATA / "stop_words.txt"

_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_LATIN_WORD = re.compile(r"[a-z]{2,}")
_NOT_A_WORD = re.compile(r"[\d*＊]")
_COUNTED = re.compile(r"[一二两三四五六七八九十几百千]+[个次遍趟回位名份张件种项]")  # 两个, 三次: no theme
_LONG_NUMBER = re.compile(r"\d{6,}")  # a number typed in whole (a card, a phone): never cut into terms

_lock = threading.Lock()
_tokenizer = None


def tokenizer():
    """The process's jieba tokenizer with the user dictionary, made on first use."""
    global _tokenizer
    if _tokenizer is None:
        with _lock:
            if _tokenizer is None:
                import jieba

                jieba.setLogLevel(logging.WARNING)
                made = jieba.Tokenizer()
                made.initialize()
                made.load_userdict(str(USER_DICT))
                _tokenizer = made
    return _tokenizer


@cache
def user_terms() -> frozenset[str]:
    """The words of the user dictionary (case-folded)."""
    lines = USER_DICT.read_text(encoding="utf-8").splitlines()
    return frozenset(line.split()[0].casefold() for line in lines if line.strip())


@cache
def stop_words() -> frozenset[str]:
    lines = STOP_WORDS.read_text(encoding="utf-8").splitlines()
    return frozenset(w.strip().casefold() for w in lines if w.strip() and not w.startswith("#"))


def normalise(text: str) -> str:
    """NFKC (full-width letters and digits half-width), white space collapsed, stripped."""
    return " ".join(unicodedata.normalize("NFKC", text or "").split())


def words(text: str) -> list[str]:
    """Every word jieba cuts ``text`` into (after :func:`normalise`), as cut."""
    return [w for w in tokenizer().cut(_LONG_NUMBER.sub(" ", normalise(text))) if w.strip()]


def is_theme(word: str) -> bool:
    word = word.strip().casefold()
    if word in user_terms():
        return True
    if len(word) < 2 or word in stop_words() or _NOT_A_WORD.search(word) or _COUNTED.fullmatch(word):
        return False
    return bool(_CJK.search(word) or _LATIN_WORD.fullmatch(word))


def themes(text: str) -> list[str]:
    """The themes of a text, each once, in the order they first appear."""
    seen: dict[str, None] = {}
    for word in words(text):
        if is_theme(word):
            seen.setdefault(word.strip().casefold(), None)
    return list(seen)
