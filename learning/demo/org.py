"""Demo organisation and staff for 拱宸桥街道, created through the services."""

import datetime
import random

from django.contrib.auth.hashers import make_password

from learning.models import OrgUnit
from learning.roles import Role
from learning.services import org_unit_ensure, staff_ensure

DEMO_PASSWORD = "Shegong@2026"

# 拱墅区 → 拱宸桥街道 → three centres; 桥西 is the 2017 model case.
CENTRES = {
    "桥西片区公共服务中心": ["衢州路社区", "文澜社区", "登云路社区"],
    "桥东片区公共服务中心": ["如意里社区", "吉祥寺社区", "瓜山社区"],
    "运河片区公共服务中心": ["拱宸桥社区", "桥弄街社区", "杭丝社区"],
}
WORKERS_PER_COMMUNITY = [7, 5, 5, 5, 5, 4, 5, 4, 4]  # 44 in all

SURNAMES = "王李张刘陈杨黄赵吴周徐孙朱马胡郭何林高罗郑梁谢宋唐许韩冯邓曹彭曾沈"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红建文辉婷晶莉"
POSITIONS = [
    "综合受理岗",
    "社会事务岗",
    "社保服务岗",
    "网格员",
    "计生专干",
    "党群服务岗",
]


def _name(rng: random.Random) -> str:
    given = rng.choice(GIVEN) + (rng.choice(GIVEN) if rng.random() < 0.7 else "")
    return rng.choice(SURNAMES) + given


def _hired_on(rng: random.Random) -> datetime.date:
    start = datetime.date(2010, 1, 1).toordinal()
    end = datetime.date(2026, 6, 30).toordinal()
    return datetime.date.fromordinal(rng.randint(start, end))


def seed_org() -> dict[str, OrgUnit]:
    district = org_unit_ensure(name="拱墅区", kind=OrgUnit.Kind.DISTRICT)
    street = org_unit_ensure(
        name="拱宸桥街道", kind=OrgUnit.Kind.STREET, parent=district
    )
    units = {"拱墅区": district, "拱宸桥街道": street}
    for centre_name, communities in CENTRES.items():
        centre = org_unit_ensure(
            name=centre_name, kind=OrgUnit.Kind.CENTRE, parent=street
        )
        units[centre_name] = centre
        for community in communities:
            units[community] = org_unit_ensure(
                name=community, kind=OrgUnit.Kind.COMMUNITY, parent=centre
            )
    return units


def seed_staff(
    units: dict[str, OrgUnit], rng: random.Random, per_community: int | None = None
) -> dict[str, list]:
    """44 workers (or per_community in each community but the first), 3 trainers,
    3 managers (街道, 片区, 社区), grouped by role."""
    people: dict[str, list] = {"managers": [], "trainers": [], "workers": []}
    phone_base = 13805710000
    # One hash for the one demo password: hashing it 67 times cost seconds.
    password_hash = make_password(DEMO_PASSWORD)

    def ensure(number: int, role: Role, unit: OrgUnit, position: str):
        return staff_ensure(
            employee_no=f"GC{number:04d}",
            name=_name(rng),
            phone=str(phone_base + number),
            org_unit=unit,
            role=role,
            position=position,
            hired_on=_hired_on(rng),
            password_hash=password_hash,
        )

    admin = staff_ensure(
        employee_no="admin",
        name="系统管理员",
        org_unit=units["拱墅区"],
        role=Role.MANAGER,
        position="系统管理员",
        password_hash=password_hash,
    )
    if not admin.is_superuser:
        admin.is_superuser = admin.is_staff = True
        admin.save(update_fields=["is_superuser", "is_staff"])
    people["admins"] = [admin]
    people["managers"] = [
        ensure(1, Role.MANAGER, units["拱宸桥街道"], "街道社区管理科科长"),
        ensure(2, Role.MANAGER, units["桥西片区公共服务中心"], "片区中心主任"),
        ensure(3, Role.MANAGER, units["衢州路社区"], "社区书记"),
    ]
    people["trainers"] = [
        ensure(11, Role.TRAINER, units["拱宸桥街道"], "高级培训师"),
        ensure(12, Role.TRAINER, units["桥西片区公共服务中心"], "培训师"),
        ensure(13, Role.TRAINER, units["桥东片区公共服务中心"], "培训师"),
    ]
    communities = [name for names in CENTRES.values() for name in names]
    number = 101
    counts = list(WORKERS_PER_COMMUNITY)
    if per_community:
        # 衢州路社区, where the demo's approvals and appeal happen, keeps its seven.
        counts[1:] = [per_community] * (len(communities) - 1)
    for community, count in zip(communities, counts, strict=True):
        for _ in range(count):
            people["workers"].append(
                ensure(number, Role.WORKER, units[community], rng.choice(POSITIONS))
            )
            number += 1
    return people
