"""Live meeting broadcasts (议事直播): meetings, their numbered items, questions, archive and replay."""

