"""The names services and Temporal agree on, in one place: task queues, workflow ids, saga states and
event topics with their payloads. Pure: safe to import from workflows, activities, the API and workers."""
