"""Notifications to the support team: a webhook notifier and the outbox delivery worker."""
