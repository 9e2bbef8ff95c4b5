"""Platform connectors: inbound webhooks and polling, outbound reply, hide and delete.

``base`` holds the small interface every platform implements and the manual connector;
``meta`` covers Facebook Pages and Instagram (Graph API), ``mastodon`` the Mastodon API;
``services`` owns every write (raw events, processing, outbound actions).
"""
