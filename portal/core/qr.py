"""QR codes (segno, SVG) pointing at a record's page, for the paper notice board."""
import io

import segno


def qr_svg(url):
    """An SVG QR code for ``url`` (error correction M survives a creased print)."""
    out = io.BytesIO()
    segno.make_qr(url, error="m").save(out, kind="svg", scale=4, border=2, xmldecl=False,
                                       title="二维码", svgclass="qr")
    return out.getvalue()
