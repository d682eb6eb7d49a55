"""PDF files for tests, assembled by hand (no PDF writer is installed): pages of text lines in
Helvetica, and an optional document information dictionary (Title, Author, CreationDate)."""

from __future__ import annotations


def _literal(text: str) -> bytes:
    escaped = text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
    return b"(" + escaped.encode("latin-1") + b")"


def pdf_bytes(pages: list[list[str]], info: dict[str, str] | None = None) -> bytes:
    """A PDF whose page n shows the lines `pages[n - 1]`, one under another."""
    n_pages = len(pages)
    font = 3 + 2 * n_pages  # object numbers: catalog 1, pages 2, then page/content pairs
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids ["
        + b" ".join(f"{3 + 2 * i} 0 R".encode() for i in range(n_pages))
        + f"] /Count {n_pages} >>".encode(),
    ]
    for i, lines in enumerate(pages):
        shown = b" T* ".join(_literal(line) + b" Tj" for line in lines)
        stream = b"BT /F1 11 Tf 14 TL 72 720 Td " + shown + b" ET"
        objects.append(
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents {4 + 2 * i} 0 R "
            f"/Resources << /Font << /F1 {font} 0 R >> >> >>".encode()
        )
        objects.append(
            b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream"
        )
    objects.append(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
    trailer = f"/Size {len(objects) + 1 + bool(info)} /Root 1 0 R".encode()
    if info:
        objects.append(
            b"<< " + b" ".join(f"/{k} ".encode() + _literal(v) for k, v in info.items()) + b" >>"
        )
        trailer += f" /Info {len(objects)} 0 R".encode()
    out = b"%PDF-1.4\n"
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{o:010d} 00000 n \n".encode() for o in offsets)
    out += b"trailer << " + trailer + f" >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return out
