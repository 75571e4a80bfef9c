from django.core.management.base import BaseCommand

from manuals.services import manual_root_ensure, manual_workflow_ensure


class Command(BaseCommand):
    help = (
        "建立培训手册首页、发布审核流程与培训师权限"
        "（生产环境首次部署时运行，可重复运行）。"
    )

    def handle(self, *args, **options):
        root = manual_root_ensure()
        manual_workflow_ensure(root=root)
        self.stdout.write(
            self.style.SUCCESS(f"培训手册已就绪：{root.title}（/manual/）")
        )
