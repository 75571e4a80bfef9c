"""Reading PDFs back the way a person would: text, fonts, glyphs and the QR code."""

import re
import subprocess
import tempfile
from pathlib import Path

import pypdf


def pdf_text(content: bytes) -> str:
    with tempfile.NamedTemporaryFile(suffix=".pdf") as f:
        f.write(content)
        f.flush()
        return subprocess.run(
            ["pdftotext", "-layout", f.name, "-"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout


def embedded_fonts(content: bytes) -> list[tuple[str, bool]]:
    """(font name, has an embedded font file) for every font on every page."""
    reader = pypdf.PdfReader(_stream(content))
    fonts = []
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            descendant = font["/DescendantFonts"][0].get_object()
            descriptor = descendant["/FontDescriptor"].get_object()
            embedded = any(
                k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3")
            )
            fonts.append((str(font["/BaseFont"]), embedded))
    return fonts


HEX_STRING = re.compile(rb"<([0-9A-Fa-f\s]+)>")


# A glyph no font has: WeasyPrint writes glyph 0 (.notdef) or 0xFFFF, and the
# viewer draws an empty box.
NOT_A_GLYPH = {0x0000, 0xFFFF}


def notdef_count(content: bytes) -> int:
    """How many characters were drawn as the empty box instead of a glyph."""
    reader = pypdf.PdfReader(_stream(content))
    count = 0
    for page in reader.pages:
        data = page.get_contents().get_data()
        for block in re.findall(rb"BT(.*?)ET", data, re.S):
            for hexes in HEX_STRING.findall(block):
                codes = bytes.fromhex(hexes.decode().replace(" ", "").replace("\n", ""))
                count += sum(
                    1
                    for i in range(0, len(codes) - 1, 2)
                    if codes[i] << 8 | codes[i + 1] in NOT_A_GLYPH
                )
    return count


def page_count(content: bytes) -> int:
    return len(pypdf.PdfReader(_stream(content)).pages)


def qr_codes(content: bytes, page: int = 1) -> list[str]:
    """Rasterise a page as a phone camera would see it and decode its QR codes."""
    import zxingcpp
    from PIL import Image

    with tempfile.TemporaryDirectory() as tmp:
        pdf = Path(tmp) / "doc.pdf"
        pdf.write_bytes(content)
        subprocess.run(
            [
                "pdftoppm",
                "-r",
                "150",
                "-png",
                "-f",
                str(page),
                "-l",
                str(page),
                str(pdf),
                str(Path(tmp) / "page"),
            ],
            check=True,
        )
        [image] = sorted(Path(tmp).glob("page*.png"))
        return [r.text for r in zxingcpp.read_barcodes(Image.open(image))]


def _stream(content: bytes):
    import io

    return io.BytesIO(content)
