"""The schema roots by audience: public (root), personal (patients) and Reach (partners), and
what the schema runs with: operation choice, error masking and format, response warnings."""
