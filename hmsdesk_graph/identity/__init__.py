"""Who is asking and what they may see: tokens and viewers, field permissions, the staff
audit trail, scrubbing personal data out of free text; and the global IDs that name objects."""
