"""Residents' appeals (群众诉求 · 随手拍): the closed loop from filing to rating, with honest statistics."""
