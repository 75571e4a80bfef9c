from wagtail import hooks
from wagtail.permissions import register_permission_policy

from learning.models import StaffMember
from learning.viewsets import StaffViewSet, staff_permission_policy

register_permission_policy(StaffMember, staff_permission_policy, exact_class=True)


@hooks.register("register_admin_viewset")
def register_staff_viewset():
    return StaffViewSet()
