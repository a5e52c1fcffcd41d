"""Reports to the discipline inspectors (我要举报): encrypted to the inspectors in scope, a receipt as the
reporter's only key, no trace of who reported. See ``crypto`` for the scheme."""
