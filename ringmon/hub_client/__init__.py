"""The one client of a hub's REST side (snapshot, health, history, calls, recordings) and the
one way its failures are put into words (:class:`HubError`)."""

from ringmon.hub_client.client import HubClient, Principal
from ringmon.hub_client.errors import Failure, HubError, hub_error

__all__ = ["Failure", "HubClient", "HubError", "Principal", "hub_error"]
