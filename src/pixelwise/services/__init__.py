"""Use cases: each public function is one thing a user or the system does, in one transaction."""
