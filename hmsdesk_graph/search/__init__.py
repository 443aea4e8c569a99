"""Search: query understanding shared by both databases, and the SQL of each search screen."""
