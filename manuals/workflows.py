"""What happens when a manual change has passed its review."""


def publish_approved(workflow_state, user=None):
    """Publish the reviewed revision as the approver.

    Approvers hold no publish permission of their own (else they could publish
    their own edits without review); passing a ``ReviewTask`` is the permission.
    Any other workflow publishes with Wagtail's usual permission check.
    """
    from manuals.models import ReviewTask

    revision = workflow_state.content_object.get_latest_revision()
    reviewed = ReviewTask.objects.filter(
        task_states__workflow_state=workflow_state,
        task_states__status="approved",
    ).exists()
    revision.publish(user=user, skip_permission_checks=reviewed)
