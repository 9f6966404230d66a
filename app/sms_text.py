"""SMS rules: GSM-7 or UCS-2, how many segments a text costs, and what a name put in texts may not hold."""
import re
import unicodedata

GSM7_BASIC = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà")
GSM7_EXTENSION = set("^{}\\[~]|€\f")


def is_gsm7(text: str) -> bool:
    return all(c in GSM7_BASIC or c in GSM7_EXTENSION for c in text)


def segment_count(text: str) -> int:
    """Segments the carrier bills: 160/153 septets for GSM-7, 70/67 UTF-16 units for UCS-2."""
    if is_gsm7(text):
        units = sum(2 if c in GSM7_EXTENSION else 1 for c in text)
        single, multi = 160, 153
    else:
        units = len(text.encode("utf-16-le")) // 2
        single, multi = 70, 67
    if units <= single:
        return 1
    return -(-units // multi)


PUNCTUATION = {"’": "'", "‘": "'", "“": '"', "”": '"', "–": "-", "—": "-", "…": "...", "·": "-", "−": "-"}


def to_gsm7(text: str) -> str:
    """The same words in GSM-7 only: accents dropped, curly quotes straightened, emoji removed.
    One emoji makes a whole text UCS-2, which holds less than half as much."""
    out = []
    for c in text:
        c = PUNCTUATION.get(c, c)
        if c in GSM7_BASIC or c in GSM7_EXTENSION:
            out.append(c)
            continue
        plain = "".join(ch for ch in unicodedata.normalize("NFKD", c) if not unicodedata.combining(ch))
        out.append("".join(ch for ch in plain if ch in GSM7_BASIC))
    return " ".join("".join(out).split())


def fitting(candidates: list[str], max_segments: int) -> str | None:
    """The first wording that fits in `max_segments`, as written if one can, in GSM-7 if it must."""
    return next((text for text in candidates + [to_gsm7(c) for c in candidates]
                 if segment_count(text) <= max_segments), None)


def first_that_fits(candidates: list[str], max_segments: int = 2) -> str:
    """The longest wording that fits in `max_segments`; the shortest one in GSM-7 if none does."""
    return fitting(candidates, max_segments) or to_gsm7(candidates[-1])


_DOT = r"[.\u3002\uff61]"
# A link (a scheme, www., or anything.tld, with the dot also written [.] or (dot)), an email address,
# or a phone-number-like run of seven or more digits.
_CONTACT_DETAILS = re.compile(
    rf"(?:https?|ftp)\s*:\s*/|\bwww\s*{_DOT}|\w{_DOT}[^\W\d_]{{2,}}"
    rf"|\w\s*[\[(]\s*(?:{_DOT}|dot)\s*[\])]\s*[^\W\d_]{{2,}}"
    rf"|\S@\S+{_DOT}"
    rf"|(?:\d[\s().+\-/]*){{7,}}", re.IGNORECASE)


def has_contact_details(text: str) -> bool:
    """True when a name holds a link, an email address or a phone number. Every text carries the
    trainer's name, so these would let anyone send links or numbers on the platform's account."""
    return bool(_CONTACT_DETAILS.search(unicodedata.normalize("NFKC", text or "")))
