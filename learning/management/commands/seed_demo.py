import datetime
import random

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from learning.demo.org import DEMO_PASSWORD, seed_org, seed_staff
from learning.search import index_updates_batched


class Command(BaseCommand):
    help = "建立拱宸桥街道演示数据（调用真实业务服务，可重复运行）。"

    def add_arguments(self, parser):
        parser.add_argument(
            "--seed", type=int, default=2017, help="随机种子，相同种子得到相同数据"
        )
        parser.add_argument("--reset", action="store_true", help="先清除演示数据再重建")
        parser.add_argument(
            "--workers-per-community",
            type=int,
            default=None,
            help="每个社区的社工人数（默认共 44 名）；测试用较小的街道",
        )
        parser.add_argument(
            "--index-in-background",
            action="store_true",
            help="搜索索引与引用索引交给后台 worker 一次重建（make demo 用，网站先开）",
        )

    def handle(
        self, *args, seed, reset, workers_per_community, index_in_background, **options
    ):
        if reset:
            self._reset()
        rng = random.Random(seed)
        # The demo's history is dated back from the start of today, not from the
        # clock, so the same seed on the same day gives the same demo to the second.
        now = datetime.datetime.combine(
            timezone.localdate(),
            datetime.time.min,
            tzinfo=timezone.get_current_timezone(),
        )
        batched = index_updates_batched(rebuild_in_background=index_in_background)
        with batched, transaction.atomic():
            units = seed_org()
            people = seed_staff(units, rng, per_community=workers_per_community)
            for step in self._later_steps():
                step(units=units, people=people, rng=rng, stdout=self.stdout, now=now)
        self._print_logins(people)

    def _later_steps(self):
        """Each capability adds its own demo step here (manual, quizzes, points)."""
        from manuals.demo.seed import seed_manual
        from points.demo.seed import seed_points
        from quizzes.demo.seed import seed_quizzes

        return [seed_manual, seed_quizzes, seed_points]

    def _reset(self):
        from django.contrib.auth import get_user_model

        from learning.models import OrgUnit
        from manuals.models import (
            ItemPublication,
            ManualIndexPage,
            ReadingSession,
            RestudyTask,
            StudyRecord,
        )
        from points.models import (
            Adjustment,
            Appeal,
            AttendanceSheet,
            Balance,
            Certificate,
            CertificateBatch,
            Evidence,
            HeldAward,
            LedgerEntry,
            MonthTotal,
            OfflineTraining,
            PeriodFreeze,
            RestudyDue,
            RulebookVersion,
            WorkdayOverride,
        )
        from quizzes.models import (
            Attempt,
            ExtraAttemptGrant,
            Question,
            QuizPage,
            WrongBookEntry,
        )

        # The demo's own ledger goes too: --reset starts the demo over.
        Certificate.objects.update(superseded_by=None)
        Certificate.objects.all().delete()
        CertificateBatch.objects.all().delete()
        Appeal.objects.all().delete()
        Adjustment.objects.all().delete()
        PeriodFreeze.objects.all().delete()
        HeldAward.objects.all().delete()
        Evidence.objects.all().delete()
        RestudyDue.objects.all().delete()
        WorkdayOverride.objects.all().delete()
        LedgerEntry.objects.filter(reverses__isnull=False).delete()
        LedgerEntry.objects.all().delete()
        Balance.objects.all().delete()
        MonthTotal.objects.all().delete()
        AttendanceSheet.objects.all().delete()
        OfflineTraining.objects.all().delete()
        # Only the shipped rulebook stays; drafts made while trying the demo go.
        for version in RulebookVersion.objects.order_by("effective_from")[1:]:
            version.rules.all().delete()
            version.delete()
        WrongBookEntry.objects.all().delete()
        Attempt.objects.all().delete()
        ExtraAttemptGrant.objects.all().delete()
        for quiz in QuizPage.objects.all():
            quiz.delete()
        Question.objects.update(current=None)
        Question.objects.all().delete()
        RestudyTask.objects.all().delete()
        StudyRecord.objects.all().delete()
        ReadingSession.objects.all().delete()
        ItemPublication.objects.all().delete()
        for root in ManualIndexPage.objects.all():
            root.delete()
        User = get_user_model()
        User.objects.filter(username__startswith="GC").delete()
        User.objects.filter(username="admin").delete()
        OrgUnit.objects.all().delete()
        self.stdout.write("已清除演示数据。")

    def _print_logins(self, people):
        w = self.stdout.write
        w(
            self.style.SUCCESS(
                "演示数据已就绪。登录（工号或手机号均可），密码统一为 " + DEMO_PASSWORD
            )
        )
        rows = [
            ("系统管理员", people["admins"][0]),
            ("街道管理者", people["managers"][0]),
            ("片区管理者", people["managers"][1]),
            ("社区管理者", people["managers"][2]),
            ("高级培训师", people["trainers"][0]),
            ("培训师", people["trainers"][1]),
            ("社工", people["workers"][0]),
            ("社工", people["workers"][1]),
        ]
        for label, user in rows:
            w(
                f"  {label:<6} {user.username:<7} {user.phone or '—':<12} "
                f"{user.name}  {user.org_unit.name}"
            )
        count = len(people["workers"])
        w(f"  另有社工 {count} 名，工号 GC0101–GC{100 + count:04d}")
