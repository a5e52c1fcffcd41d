"""The publications pages' blueprint; routes live in pages, staff_pages and feeds."""
from flask import Blueprint

bp = Blueprint("publications", __name__)
