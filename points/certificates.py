"""Certificates: serials, statuses, wording, and rendering with WeasyPrint.

Rendering names its CJK font explicitly; `points.checks` refuses to start
without it, because WeasyPrint would otherwise print empty boxes silently.
"""

import datetime
import secrets
import string
import unicodedata
from dataclasses import dataclass

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse

# Crockford's alphabet: no I, L, O or U to misread on paper.
SERIAL_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
SERIAL_RANDOM_CHARS = 12  # 60 random bits: guessing a serial is hopeless
SERIAL_PREFIX = "GC"


def new_serial(year: int) -> str:
    chars = "".join(secrets.choice(SERIAL_ALPHABET) for _ in range(SERIAL_RANDOM_CHARS))
    return f"{SERIAL_PREFIX}{year % 100:02d}-{chars[:4]}-{chars[4:8]}-{chars[8:]}"


# What a person reads off paper for a character the alphabet leaves out.
_MISREAD = str.maketrans({"O": "0", "I": "1", "L": "1"})


def normalise_serial(text: str) -> str:
    """The printed serial for what a person typed: any case, full- or half-width,
    with hyphens, spaces or neither, O for 0 and I/L for 1. Text that cannot be
    a serial comes back as its letters and digits, to be reported not found."""
    typed = unicodedata.normalize("NFKC", text).upper()
    chars = "".join(c for c in typed if c.isascii() and c.isalnum())
    size = len(SERIAL_PREFIX) + 2 + SERIAL_RANDOM_CHARS
    if len(chars) != size or not chars.startswith(SERIAL_PREFIX):
        return chars
    body = chars[len(SERIAL_PREFIX) :].translate(_MISREAD)
    return f"{SERIAL_PREFIX}{body[:2]}-{body[2:6]}-{body[6:10]}-{body[10:]}"


# -------------------------------------------------------------------- status


class Status:
    VALID = "valid"
    EXPIRED = "expired"
    REVOKED = "revoked"
    SUPERSEDED = "superseded"
    RESTUDY = "restudy"
    SUSPENDED = "suspended"


STATUS_LABELS = {
    Status.VALID: "有效",
    Status.EXPIRED: "已过期",
    Status.REVOKED: "已撤销",
    Status.SUPERSEDED: "已被新证书取代",
    Status.RESTUDY: "待复训",
    Status.SUSPENDED: "暂停",
}


def certificate_status(
    *,
    revoked: bool,
    superseded: bool,
    valid_until: datetime.date | None,
    today: datetime.date,
    restudy_open: bool,
    restudy_overdue: bool = False,
) -> str:
    """Revocation outranks everything; a re-study owed shows before expiry ends,
    and one left undone past its grace period suspends the certificate."""
    if revoked:
        return Status.REVOKED
    if superseded:
        return Status.SUPERSEDED
    if valid_until is not None and valid_until < today:
        return Status.EXPIRED
    if restudy_overdue:
        return Status.SUSPENDED
    if restudy_open:
        return Status.RESTUDY
    return Status.VALID


def level_valid_until(issued_on: datetime.date) -> datetime.date:
    """Valid to the end of the next points year; a 合格 year renews it."""
    return datetime.date(issued_on.year + 1, 12, 31)


# ------------------------------------------------------------------- wording

DEFAULT_WORDING = {
    "level": (
        "{等级}证书",
        "{姓名}同志：\n经考核，你在社工培训学习中累计获得积分 {积分} 分，"
        "达到《社工培训学习积分管理办法》规定的{等级}标准，特发此证。",
    ),
    "hours": (
        "继续教育学时证明",
        "兹证明{单位}{姓名}同志在{年度}年度参加社工培训学习，"
        "累计完成继续教育 {学时} 学时。",
    ),
}
DEFAULT_ISSUER = "拱宸桥街道办事处"

MSG_UNKNOWN_PLACEHOLDER = "不认识的占位符 {%(name)s}；可用的有：%(known)s。"
MSG_BAD_BRACES = "花括号不成对；占位符要写成 {姓名} 这样。"


def placeholder_problems(text: str, known) -> list[str]:
    """Every problem with a trainer's wording, in Chinese; empty when it is fine."""
    problems = []
    try:
        parts = list(string.Formatter().parse(text))
    except ValueError:
        return [MSG_BAD_BRACES]
    for _literal, name, spec, conversion in parts:
        if name is None:
            continue
        if name not in known or spec or conversion:
            problems.append(
                MSG_UNKNOWN_PLACEHOLDER
                % {"name": name, "known": " ".join(f"{{{k}}}" for k in known)}
            )
    return problems


def fill(text: str, values: dict) -> str:
    """Put the values into checked wording; a missing value prints as empty."""
    result = []
    for literal, name, _spec, _conversion in string.Formatter().parse(text):
        result.append(literal)
        if name is not None:
            result.append(str(values.get(name, "")))
    return "".join(result)


# ----------------------------------------------------------------- rendering


def site_url(request=None) -> str:
    """The address a certificate's QR code and link point to.

    With a request at hand, the scheme and host the person is using, so that a
    certificate fetched from http://127.0.0.1:9000 says 9000; without one (bulk
    runs in the background worker), the configured WAGTAILADMIN_BASE_URL.
    """
    if request is not None:
        return f"{request.scheme}://{request.get_host()}"
    return settings.WAGTAILADMIN_BASE_URL.rstrip("/")


def verify_url(serial: str, base_url: str | None = None) -> str:
    base = (base_url or site_url()).rstrip("/")
    return base + reverse("points:verify", args=[serial])


def qr_data_uri(url: str) -> str:
    import segno

    # Quiet zone of 4 modules, as scanners expect; SVG keeps the PDF small.
    return segno.make(url, error="m", micro=False).svg_data_uri(
        scale=4, border=4, dark="#1f2933"
    )


@dataclass
class Page:
    """One certificate as the template draws it."""

    certificate: object
    qr: str
    verify_url: str
    seal_url: str
    signature_url: str


def image_url(image, spec: str) -> str:
    """A small rendition of an uploaded image, as a file URL WeasyPrint reads."""
    if image is None:
        return ""
    rendition = image.get_rendition(spec)
    return "file://" + rendition.file.path


def pages_for(certificates, base_url: str | None = None) -> list[Page]:
    from points.models import CertificateTemplate

    templates = {
        t.kind: t
        for t in CertificateTemplate.objects.select_related("seal", "signature")
    }
    pages = []
    for certificate in certificates:
        template = templates.get(certificate.kind)
        url = verify_url(certificate.serial, base_url)
        pages.append(
            Page(
                certificate=certificate,
                qr=qr_data_uri(url),
                verify_url=url,
                seal_url=image_url(
                    template and template.seal, "max-300x300|format-png"
                ),
                signature_url=image_url(
                    template and template.signature, "max-400x160|format-png"
                ),
            )
        )
    return pages


def certificates_html(certificates, base_url: str | None = None) -> str:
    return render_to_string(
        "points/certificates/certificate.html",
        {
            "pages": pages_for(certificates, base_url),
            "font": settings.CERTIFICATE_FONT_FAMILY,
        },
    )


def render_pdf(html: str) -> bytes:
    import weasyprint

    document = weasyprint.HTML(string=html, base_url=str(settings.BASE_DIR))
    return document.write_pdf(optimize_images=True, dpi=200)


def certificate_pdf(certificate, base_url: str | None = None) -> bytes:
    return render_pdf(certificates_html([certificate], base_url))


def seal_svg(issuer: str, font: str) -> str:
    """A round red seal with the issuer's name along the top arc and a star, for
    when no seal image has been uploaded. Drawn as vectors: a few bytes."""
    import math
    from html import escape

    chars = list(issuer)[:16]
    size, radius = 160, 62
    spread = min(250.0, 22.0 * len(chars))  # degrees of arc the name covers
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{size}" height="{size}"'
        f' viewBox="0 0 {size} {size}">',
        '<circle cx="80" cy="80" r="75" fill="none" stroke="#c8102e"'
        ' stroke-width="5"/>',
    ]
    for i, char in enumerate(chars):
        angle = -spread / 2 + (spread * (i + 0.5) / len(chars) if chars else 0)
        rad = math.radians(angle - 90)
        x, y = 80 + radius * math.cos(rad), 80 + radius * math.sin(rad)
        parts.append(
            f'<text x="{x:.1f}" y="{y:.1f}" font-family="{escape(font)}" '
            f'font-size="17" fill="#c8102e" text-anchor="middle" '
            f'dominant-baseline="central" transform="rotate({angle:.1f} {x:.1f} '
            f'{y:.1f})">{escape(char)}</text>'
        )
    star = []
    for k in range(10):
        r = 22 if k % 2 == 0 else 9
        a = math.radians(-90 + 36 * k)
        star.append(f"{80 + r * math.cos(a):.1f},{88 + r * math.sin(a):.1f}")
    parts.append(f'<polygon points="{" ".join(star)}" fill="#c8102e"/>')
    parts.append("</svg>")
    return "".join(parts)


def transcript_pdf(transcript) -> bytes:
    html = render_to_string(
        "points/certificates/transcript.html",
        {"t": transcript, "font": settings.CERTIFICATE_FONT_FAMILY},
    )
    return render_pdf(html)
