"""Course tooling: building the site editions and grading a class (knows bnbook, not the other way)."""
