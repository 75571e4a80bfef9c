import factory
from django.contrib.auth import get_user_model

from learning.roles import Role
from learning.services import role_assign

PASSWORD = "Correct-Horse-42"


class StaffFactory(factory.django.DjangoModelFactory):
    """A staff account with one role; pass org_unit and role."""

    class Meta:
        model = get_user_model()

    username = factory.Sequence(lambda n: f"T{n:05d}")
    name = factory.Sequence(lambda n: f"测试员{n}")
    phone = factory.Sequence(lambda n: f"139{n:08d}")
    position = "综合受理岗"
    password = factory.django.Password(PASSWORD)
    role = Role.WORKER

    @classmethod
    def _create(cls, model_class, *args, role, **kwargs):
        user = super()._create(model_class, *args, **kwargs)
        role_assign(user=user, role=role)
        return user
