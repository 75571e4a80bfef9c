import datetime

from django.core.management.base import BaseCommand

from points.services import certificate_batches_resume


class Command(BaseCommand):
    help = "重新排队因后台进程中断而停下的批量颁发证书任务（已颁发的不会重复）。"

    def add_arguments(self, parser):
        parser.add_argument(
            "--stale-after",
            type=int,
            default=120,
            help="多少秒没有进展视为中断；启动唯一的 worker 之前可用 0",
        )

    def handle(self, *args, stale_after, **options):
        count = certificate_batches_resume(
            stale_after=datetime.timedelta(seconds=stale_after)
        )
        if count:
            self.stdout.write(f"已重新排队 {count} 个批量颁发任务。")
