from wagtail import hooks
from wagtail.permissions import register_permission_policy

from learning.permissions import ReadOnlyPermissionPolicy
from manuals.models import ItemPublication
from manuals.viewsets import ItemPublicationViewSet

register_permission_policy(
    ItemPublication,
    ReadOnlyPermissionPolicy(ItemPublication, "manuals.view_itempublication"),
    exact_class=True,
)


@hooks.register("register_admin_viewset")
def register_publication_viewset():
    return ItemPublicationViewSet()
