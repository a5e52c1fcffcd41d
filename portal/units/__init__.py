"""The administrative tree: county → township/street → village/community → grid."""
