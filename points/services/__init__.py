"""Every write that carries a points rule. Split by topic; import from here."""

from points.services.approvals import *  # noqa: F403
from points.services.attendance import *  # noqa: F403
from points.services.certificates import *  # noqa: F403
from points.services.common import *  # noqa: F403
from points.services.ledger import *  # noqa: F403
from points.services.periods import *  # noqa: F403
from points.services.record import *  # noqa: F403
from points.services.rulebook import *  # noqa: F403
