"""Issuing, re-issuing and revoking certificates, and the bulk run behind it."""

import datetime
import gc
import io
import os
import re
import zipfile
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Q, Sum
from django.utils import timezone

from learning.tables import xlsx_bytes
from points import certificates as paper
from points import rules
from points.models import (
    Balance,
    Certificate,
    CertificateBatch,
    CertificateKind,
    CertificateTemplate,
    Evidence,
    LedgerEntry,
    Level,
)
from points.services.common import (
    MSG_NO_PERMISSION,
    MSG_OUT_OF_SCOPE,
    PointsActionRefused,
    _in_scope,
    _local,
    _log,
    _require,
)
from points.services.ledger import rulebook_in_force, version_in_force_subquery

MSG_LEVEL_NOT_REACHED = "%(name)s 未达到%(level)s：%(short)s。"
MSG_NEEDS_SIGNOFF = "%(level)s须由有颁发权限的管理者认定。"
MSG_NO_LEVEL = "%(name)s 尚未达到任何等级。"
MSG_NO_HOURS = "%(name)s %(year)s 年度没有学时记录。"
MSG_YEAR_NOT_STARTED = "%(year)s 年度还没开始。"
MSG_REVOKE_NEEDS_REASON = "撤销证书必须写明原因。"
MSG_ALREADY_REVOKED = "该证书已于 %(when)s 撤销。"
MSG_NOT_LIVE = "该证书已撤销或已被新证书取代，不能补发；请重新颁发。"
MSG_REVOKED_DOWNLOAD = "证书 %(serial)s 已于 %(when)s 撤销（%(reason)s），不能下载。"


def lifetime_points(user) -> int:
    return Balance.objects.filter(user=user).aggregate(s=Sum("points"))["s"] or 0


def _kept(entries):
    """Ledger lines that still stand: not themselves reversed."""
    return entries.filter(reversed_by__isnull=True, reverses__isnull=True)


def tier_evidence(user, *, today: datetime.date) -> tuple[rules.TierEvidence, list]:
    """What the worker has shown (§5), and the category codes it rests on."""
    years = [str(today.year), str(today.year - 1)]
    evidence = {
        (e.kind, e.key): e
        for e in Evidence.objects.filter(user=user).exclude(
            kind=Evidence.Kind.PROXY, key__lt=f"{today.year - 1:04d}-{today.month:02d}"
        )
    }

    def best(kind):
        scores = [evidence[(kind, y)].value for y in years if (kind, y) in evidence]
        return max(scores) if scores else None

    categories = sorted(k for kind, k in evidence if kind == Evidence.Kind.CATEGORY)
    high = evidence.get((Evidence.Kind.HIGH_FREQUENCY, ""))
    since = today - datetime.timedelta(days=365)
    year_ago = f"{since.year:04d}-{since.month:02d}"
    ledger = LedgerEntry.objects.filter(user=user)
    write_ups = _kept(ledger.filter(rule_code="CASE_APPROVED", points__gt=0)).count()
    taught = ledger.filter(rule_code="TRAIN_TEACH").aggregate(h=Sum("hours"))["h"]
    errors = _kept(
        ledger.filter(
            rule_code__in=("PROXY_ERROR", "PROXY_ERROR_LOSS"),
            nominal_points__lt=0,
            occurred_at__date__gte=since,
        )
    ).count()
    found = rules.TierEvidence(
        points=lifetime_points(user),
        exam_percent=best(Evidence.Kind.EXAM),
        high_frequency_done=high is not None,
        categories_done=len(categories),
        write_ups=write_ups,
        taught_hours=taught or Decimal(0),
        scenario_percent=best(Evidence.Kind.SCENARIO),
        proxy_cases=int(
            sum(
                e.value or 0
                for (kind, key), e in evidence.items()
                if kind == Evidence.Kind.PROXY and key > year_ago
            )
        ),
        proxy_errors=errors,
    )
    covered = sorted(set(categories) | set(high.detail if high else []))
    return found, covered


def _reached_without_signoff(levels, evidence: rules.TierEvidence) -> list:
    """The levels, lowest first, that the worker has earned without a sign-off."""
    return [
        lv
        for lv in levels
        if not lv.needs_signoff and not rules.tier_shortfalls(lv, evidence)
    ]


def _template(kind: str) -> CertificateTemplate:
    title, body = paper.DEFAULT_WORDING[kind]
    template, _created = CertificateTemplate.objects.get_or_create(
        kind=kind,
        defaults={"title": title, "body": body, "issuer": paper.DEFAULT_ISSUER},
    )
    return template


def _lock(user):
    """One person's certificates are issued one at a time."""
    return get_user_model().objects.select_for_update().get(pk=user.pk)


def _live(user, kind: str, subject: str | None = None):
    found = Certificate.objects.filter(
        user=user, kind=kind, revoked_at__isnull=True, superseded_at__isnull=True
    )
    return found.filter(subject=subject) if subject is not None else found


def _new(
    *, user, kind, subject, values, actor, now, valid_until, batch, points, hours
) -> Certificate:
    template = _template(kind)
    unit = user.org_unit.name if user.org_unit_id else ""
    values = {"姓名": user.name, "单位": unit, **values}
    certificate = Certificate(
        serial=paper.new_serial(timezone.localtime(now).year),
        kind=kind,
        user=user,
        subject=subject,
        holder_name=user.name,
        unit_name=unit,
        title=paper.fill(template.title, values)[:60],
        body=paper.fill(template.body, values),
        issuer=template.issuer,
        signatory=template.signatory,
        points=points,
        hours=hours,
        issued_at=now,
        issued_by=actor,
        valid_until=valid_until,
        batch=batch,
    )
    certificate.full_clean(exclude=["user", "issued_by", "batch", "superseded_by"])
    return certificate


def _replace(old_ones, new: Certificate, now) -> Certificate:
    """Save the new certificate and mark what it replaces; history is kept."""
    old_ones = list(old_ones)
    for old in old_ones:
        old.superseded_at = now
        old.save(update_fields=["superseded_at"])
    new.save()
    for old in old_ones:
        old.superseded_by = new
        old.save(update_fields=["superseded_by"])
    return new


@transaction.atomic
def certificate_issue_level(
    *, user, level=None, actor=None, now=None, batch=None
) -> tuple[Certificate, bool]:
    """The certificate for the highest level reached (or the one named), once.

    Returns (certificate, created). A live, unexpired certificate for the level
    is returned as it is; a lower level's certificate is superseded."""
    now = now or timezone.now()
    today = timezone.localtime(now).date()
    user = _lock(user)
    evidence, covered = tier_evidence(user, today=today)
    lifetime = evidence.points
    levels = list(rulebook_in_force(today).levels.order_by("threshold"))
    if level is None:
        reached = _reached_without_signoff(levels, evidence)
        _require(bool(reached), MSG_NO_LEVEL, name=user.name)
        level = reached[-1]
    else:
        short = rules.tier_shortfalls(level, evidence)
        _require(
            not short,
            MSG_LEVEL_NOT_REACHED,
            name=user.name,
            level=level.name,
            short="；".join(short),
        )
        if level.needs_signoff:
            _require(
                actor is not None and actor.has_perm("points.issue_certificate"),
                MSG_NEEDS_SIGNOFF,
                level=level.name,
            )
    current = _live(user, CertificateKind.LEVEL, level.name).first()
    if current is not None and (current.valid_until or today) >= today:
        return current, False
    lower = {lv.name for lv in levels if lv.threshold < level.threshold}
    replaced = [
        c
        for c in _live(user, CertificateKind.LEVEL)
        if c.subject in lower or c.subject == level.name
    ]
    certificate = _new(
        user=user,
        kind=CertificateKind.LEVEL,
        subject=level.name,
        values={"等级": level.name, "积分": lifetime},
        actor=actor,
        now=now,
        valid_until=paper.level_valid_until(today),
        batch=batch,
        points=lifetime,
        hours=None,
    )
    certificate.categories = covered
    _replace(replaced, certificate, now)
    _log(certificate, "points.certificate.issue", actor)
    return certificate, True


@transaction.atomic
def certificate_issue_hours(
    *, user, year: int, actor=None, now=None, batch=None
) -> tuple[Certificate, bool]:
    """The 学时 certificate of a year; issued again only if the hours changed."""
    now = now or timezone.now()
    _require(year <= timezone.localtime(now).year, MSG_YEAR_NOT_STARTED, year=year)
    user = _lock(user)
    balance = Balance.objects.filter(user=user, year=year).first()
    hours = balance.hours if balance else Decimal(0)
    _require(hours > 0, MSG_NO_HOURS, name=user.name, year=year)
    current = _live(user, CertificateKind.HOURS, str(year)).first()
    if current is not None and current.hours == hours:
        return current, False
    certificate = _new(
        user=user,
        kind=CertificateKind.HOURS,
        subject=str(year),
        values={"年度": year, "学时": f"{hours.normalize():f}"},
        actor=actor,
        now=now,
        valid_until=None,
        batch=batch,
        points=None,
        hours=hours,
    )
    _replace([current] if current else [], certificate, now)
    _log(certificate, "points.certificate.issue", actor)
    return certificate, True


@transaction.atomic
def certificate_reissue(*, certificate: Certificate, actor) -> Certificate:
    """A fresh serial with today's wording and name; the old one shows it was
    replaced."""
    _require(actor.has_perm("points.issue_certificate"), MSG_NO_PERMISSION)
    _require(
        _in_scope(actor, certificate.user),
        MSG_OUT_OF_SCOPE,
        name=certificate.holder_name,
    )
    user = _lock(certificate.user)
    certificate = Certificate.objects.select_for_update().get(pk=certificate.pk)
    _require(
        certificate.revoked_at is None and certificate.superseded_at is None,
        MSG_NOT_LIVE,
    )
    now = timezone.now()
    if certificate.kind == CertificateKind.LEVEL:
        values = {"等级": certificate.subject, "积分": certificate.points}
    else:
        values = {
            "年度": certificate.subject,
            "学时": f"{certificate.hours.normalize():f}",
        }
    new = _new(
        user=user,
        kind=certificate.kind,
        subject=certificate.subject,
        values=values,
        actor=actor,
        now=now,
        valid_until=certificate.valid_until,
        batch=None,
        points=certificate.points,
        hours=certificate.hours,
    )
    _replace([certificate], new, now)
    _log(new, "points.certificate.reissue", actor, replaces=certificate.serial)
    return new


@transaction.atomic
def certificate_revoke(
    *, certificate: Certificate, actor, reason: str, category: str = "other"
) -> Certificate:
    """Withdraw a certificate, with a reason; the verify page says so from now on."""
    _require(actor.has_perm("points.revoke_certificate"), MSG_NO_PERMISSION)
    _require(
        _in_scope(actor, certificate.user),
        MSG_OUT_OF_SCOPE,
        name=certificate.holder_name,
    )
    reason = reason.strip()
    _require(bool(reason), MSG_REVOKE_NEEDS_REASON)
    certificate = Certificate.objects.select_for_update().get(pk=certificate.pk)
    _require(
        certificate.revoked_at is None,
        MSG_ALREADY_REVOKED,
        when=_local(certificate.revoked_at),
    )
    certificate.revoked_at = timezone.now()
    certificate.revoked_by = actor
    certificate.revoke_reason = reason[:200]
    certificate.revoke_category = category
    certificate.save(
        update_fields=["revoked_at", "revoked_by", "revoke_reason", "revoke_category"]
    )
    _log(certificate, "points.certificate.revoke", actor, reason=reason)
    return certificate


def certificate_pdf_for(
    *, certificate: Certificate, base_url: str | None = None
) -> bytes:
    """The PDF to hand out; refused once the certificate is revoked. Its QR code
    points to base_url (the address in use), else to the configured site."""
    _require(
        certificate.revoked_at is None,
        MSG_REVOKED_DOWNLOAD,
        serial=certificate.serial,
        when=_local(certificate.revoked_at),
        reason=certificate.revoke_reason,
    )
    return paper.certificate_pdf(certificate, base_url)


def levels_reached_issue(*, user, now=None) -> Certificate | None:
    """Called after an award: issue the level certificate the worker just reached."""
    today = timezone.localtime(now or timezone.now()).date()
    levels = list(
        Level.objects.filter(
            version=version_in_force_subquery(today), needs_signoff=False
        ).order_by("threshold")
    )
    lifetime = lifetime_points(user)
    by_points = [lv for lv in levels if lv.threshold <= lifetime]
    if not by_points:
        return None  # the cheap answer for most awards: not enough points yet
    held = set(_live(user, CertificateKind.LEVEL).values_list("subject", flat=True))
    if by_points[-1].name in held:
        return None
    evidence, _covered = tier_evidence(user, today=today)
    reached = _reached_without_signoff(by_points, evidence)
    if not reached or reached[-1].name in held:
        return None
    certificate, _created = certificate_issue_level(
        user=user, level=reached[-1], now=now
    )
    return certificate


# ---------------------------------------------------------------- bulk issue


def batch_candidates(*, unit, kind: str, level: str = "", year: int | None = None):
    """The 社工 a bulk run covers, in a fixed order so a resumed run finds its place."""
    people = get_user_model().objects.filter(
        is_active=True, org_unit__path__startswith=unit.path, groups__name="社工"
    )
    if kind == CertificateKind.HOURS:
        people = people.filter(balances__year=year, balances__hours__gt=0)
    else:
        version = rulebook_in_force(timezone.localdate())
        levels = version.levels.filter(needs_signoff=False)
        if level:
            levels = levels.filter(name=level)
        threshold = min((lv.threshold for lv in levels), default=None)
        if threshold is None:
            return people.none()
        people = people.annotate(lifetime=Sum("balances__points")).filter(
            lifetime__gte=threshold
        )
        if level:
            # Only those whose highest level is this one.
            higher = version.levels.filter(
                needs_signoff=False, threshold__gt=levels.get().threshold
            ).order_by("threshold")
            if higher.exists():
                people = people.filter(lifetime__lt=higher.first().threshold)
    return people.select_related("org_unit").order_by("username")


@transaction.atomic
def certificate_batch_start(*, actor, unit, kind: str, level="", year=None):
    from learning.selectors import org_units_visible_to

    _require(actor.has_perm("points.issue_certificate"), MSG_NO_PERMISSION)
    _require(
        org_units_visible_to(user=actor).filter(pk=unit.pk).exists(),
        MSG_OUT_OF_SCOPE,
        name=unit.name,
    )
    if kind == CertificateKind.HOURS:
        _require(
            year is not None and year <= timezone.localdate().year,
            MSG_YEAR_NOT_STARTED,
            year=year,
        )
    batch = CertificateBatch.objects.create(
        kind=kind,
        unit=unit,
        level=level or "",
        year=year if kind == CertificateKind.HOURS else None,
        requested_by=actor,
        total=batch_candidates(unit=unit, kind=kind, level=level, year=year).count(),
    )
    transaction.on_commit(lambda: _enqueue(batch))
    return batch


def _workdir(batch) -> Path:
    path = (
        Path(settings.PRIVATE_MEDIA_ROOT)
        / "certificates"
        / "work"
        / f"batch-{batch.pk}"
    )
    path.mkdir(parents=True, exist_ok=True)
    return path


def _issue_for(batch, user):
    if batch.kind == CertificateKind.HOURS:
        return certificate_issue_hours(user=user, year=batch.year, batch=batch)
    return certificate_issue_level(user=user, batch=batch)


def certificate_batch_run(*, batch_id: int) -> CertificateBatch:
    """Issue and render a batch in chunks. Safe to run again after a crash: each
    certificate is issued once (per person, under a row lock), and a chunk whose
    PDF is already on disk is not rendered again."""
    batch = CertificateBatch.objects.get(pk=batch_id)
    if batch.status == CertificateBatch.Status.DONE:
        return batch
    people = list(
        batch_candidates(
            unit=batch.unit, kind=batch.kind, level=batch.level, year=batch.year
        )
    )
    CertificateBatch.objects.filter(pk=batch.pk).update(
        status=CertificateBatch.Status.RUNNING,
        total=len(people),
        heartbeat_at=timezone.now(),
    )
    work = _workdir(batch)
    parts = []
    chunk = settings.CERTIFICATE_BATCH_CHUNK
    try:
        for start in range(0, len(people), chunk):
            part = work / f"part-{start // chunk:05d}.pdf"
            parts.append(part)
            if not (part.exists() and _listing(part).exists()):
                issued = []
                for person in people[start : start + chunk]:
                    try:
                        issued.append(_issue_for(batch, person)[0])
                    except PointsActionRefused:
                        continue  # no longer qualifies: a deduction since the count
                # An empty part marks a chunk with nobody left to print.
                pdf = (
                    paper.render_pdf(paper.certificates_html(issued)) if issued else b""
                )
                # The serials first, page by page: a part on disk always has them.
                _listing(part).write_text("\n".join(c.serial for c in issued))
                partial = part.with_suffix(".tmp")
                partial.write_bytes(pdf)
                os.replace(partial, part)
                del pdf, issued
                gc.collect()
            CertificateBatch.objects.filter(pk=batch.pk).update(
                done=min(len(people), start + chunk), heartbeat_at=timezone.now()
            )
        archive = _archive(batch, parts)
    except Exception as exc:
        CertificateBatch.objects.filter(pk=batch.pk).update(
            status=CertificateBatch.Status.FAILED, error=str(exc)[:300]
        )
        raise
    with transaction.atomic():
        batch = CertificateBatch.objects.select_for_update().get(pk=batch.pk)
        if batch.status != CertificateBatch.Status.DONE:
            batch.archive.save(archive[0], ContentFile(archive[1]), save=False)
            batch.status = CertificateBatch.Status.DONE
            batch.done = len(people)
            batch.issued = batch.certificates.count()
            batch.finished_at = timezone.now()
            batch.save()
    for part in parts:
        part.unlink(missing_ok=True)
        _listing(part).unlink(missing_ok=True)
    return batch


def _listing(part: Path) -> Path:
    """The serials printed in a part, one per page, next to its PDF."""
    return part.with_suffix(".serials")


SERIAL_SHEET = "证书清单.xlsx"
SERIAL_SHEET_HEADERS = [
    "证书编号",
    "姓名",
    "工号",
    "所属单位",
    "证书",
    "状态",
    "核验网址",
]
SERIAL_PATTERN = re.compile(r"GC\d{2}(?:-[0-9A-Z]{4}){3}")
MSG_WITHDRAWN_REVOKED = "已撤销（%(when)s，%(reason)s）"
MSG_WITHDRAWN_SUPERSEDED = "已被新证书取代（%(serial)s）"


def _archive(batch, parts) -> tuple[str, bytes]:
    """One merged PDF and the list of its certificates, page by page, zipped."""
    import pypdf

    merged = pypdf.PdfWriter()
    serials = []
    for part in parts:
        serials += _listing(part).read_text().split()
        if part.stat().st_size:
            merged.append(str(part))
    pdf = io.BytesIO()
    merged.write(pdf)
    name = f"证书-{batch.unit.name}-{batch.get_kind_display()}-{batch.pk}"
    return f"{name}.zip", _zip(name, pdf.getvalue(), _in_order(serials))


def _in_order(serials: list[str]) -> list[Certificate]:
    found = Certificate.objects.filter(serial__in=serials).select_related(
        "user", "superseded_by"
    )
    by_serial = {c.serial: c for c in found}
    return [by_serial[s] for s in serials if s in by_serial]


def _standing(certificate: Certificate) -> str:
    if certificate.revoked_at is not None:
        return MSG_WITHDRAWN_REVOKED % {
            "when": _local(certificate.revoked_at),
            "reason": certificate.revoke_reason,
        }
    if certificate.superseded_at is not None:
        serial = certificate.superseded_by.serial if certificate.superseded_by else ""
        return MSG_WITHDRAWN_SUPERSEDED % {"serial": serial}
    return paper.STATUS_LABELS[paper.Status.VALID]


def _zip(name: str, pdf: bytes | None, certificates: list[Certificate]) -> bytes:
    import tablib

    sheet = tablib.Dataset(headers=SERIAL_SHEET_HEADERS)
    for c in certificates:
        sheet.append(
            [
                c.serial,
                c.holder_name,
                c.user.username,
                c.unit_name,
                c.title,
                _standing(c),
                paper.verify_url(c.serial),
            ]
        )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        if pdf is not None:
            archive.writestr(f"{name}.pdf", pdf)
        archive.writestr(SERIAL_SHEET, xlsx_bytes(sheet))
    return buffer.getvalue()


def _listed_serials(archive: zipfile.ZipFile) -> list[str]:
    import openpyxl

    book = openpyxl.load_workbook(
        io.BytesIO(archive.read(SERIAL_SHEET)), read_only=True
    )
    rows = book.active.iter_rows(values_only=True)
    column = list(next(rows)).index(SERIAL_SHEET_HEADERS[0])
    return [str(row[column]) for row in rows if row and row[column]]


def _page_serials(reader, listed: list[str]) -> list[str]:
    """The serial on each page: the list gives them in page order; a ZIP made
    before the list followed the pages exactly is read page by page instead."""
    if len(listed) == len(reader.pages):
        return listed
    return [
        next(iter(SERIAL_PATTERN.findall(page.extract_text() or "")), "")
        for page in reader.pages
    ]


def batch_withdrawn(*, batch: CertificateBatch) -> list[Certificate]:
    """Certificates of a finished batch revoked or replaced since it ran."""
    if not batch.archive:
        return []
    with batch.archive.open("rb") as f:
        serials = _listed_serials(zipfile.ZipFile(io.BytesIO(f.read())))
    return [
        c
        for c in _in_order(serials)
        if c.revoked_at is not None or c.superseded_at is not None
    ]


def certificate_batch_archive(*, batch: CertificateBatch) -> tuple[str, bytes]:
    """The batch's ZIP as it may be handed out now. A certificate revoked or
    replaced since the run must not be printed from it: its pages leave the
    merged PDF, and the list keeps the line, marked 已撤销 or 已被新证书取代."""
    import pypdf

    filename = batch.archive.name.rsplit("/", 1)[-1]
    with batch.archive.open("rb") as f:
        content = f.read()
    stored = zipfile.ZipFile(io.BytesIO(content))
    certificates = _in_order(_listed_serials(stored))
    withdrawn = {
        c.serial
        for c in certificates
        if c.revoked_at is not None or c.superseded_at is not None
    }
    if not withdrawn:
        return filename, content
    pdf_name = next(n for n in stored.namelist() if n.endswith(".pdf"))
    reader = pypdf.PdfReader(io.BytesIO(stored.read(pdf_name)))
    kept = pypdf.PdfWriter()
    listed = [c.serial for c in certificates]
    for page, serial in zip(reader.pages, _page_serials(reader, listed), strict=True):
        if serial not in withdrawn:
            kept.add_page(page)
    pdf = None
    if kept.pages:
        buffer = io.BytesIO()
        kept.write(buffer)
        pdf = buffer.getvalue()
    return filename, _zip(pdf_name.removesuffix(".pdf"), pdf, certificates)


def _enqueue(batch) -> None:
    from points.tasks import certificate_batch_task

    backend = settings.CERTIFICATE_TASK_BACKEND
    certificate_batch_task.using(backend=backend).enqueue(batch_id=batch.pk)


def certificate_batches_resume(*, stale_after=datetime.timedelta(minutes=2)) -> int:
    """Re-queue bulk runs whose worker stopped mid-way (their heartbeat went quiet)."""
    cutoff = timezone.now() - stale_after
    stale = CertificateBatch.objects.filter(
        status__in=[CertificateBatch.Status.QUEUED, CertificateBatch.Status.RUNNING]
    ).filter(
        Q(heartbeat_at__lt=cutoff)
        | Q(heartbeat_at__isnull=True, requested_at__lt=cutoff)
    )
    count = 0
    for batch in stale:
        CertificateBatch.objects.filter(pk=batch.pk).update(heartbeat_at=timezone.now())
        _enqueue(batch)
        count += 1
    return count
