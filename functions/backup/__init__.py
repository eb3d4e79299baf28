"""Backups: export a stack's tables and buckets to a snapshot, load a snapshot into another stack, and
fingerprint both sides (item counts and SHA-256) so a restore can be proven equal (README, "Backup and restore")."""
