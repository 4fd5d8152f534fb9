#!/usr/bin/env python3
"""gen_pe.py OUTDIR — benign PE images for the PE infector analyser.

Every image is built here from scratch: headers, a section table and a few
bytes of harmless code (nops, ret, a jump). Nothing is copied from real
software, and nothing here does anything when run.

  normal32.exe       PE32, .text (r-x, entry point) .rdata .data
  normal64.exe       PE32+, same layout
  infected32.exe     normal32 plus an appended RWX last section ".xb" whose
                     tail holds the entry point: a stub (pushad, nops, popad)
                     ending in jmp rel32 back to the original entry point
  infected64.exe     the same on PE32+
  pushret32.exe      appended RWX section, stub returns with push imm32; ret
  longstub32.exe     appended RWX section, 400 bytes of stub before the jmp back
  ep_outside.exe     entry point beyond every section
  ep_slack.exe       entry point inside .text's raw slack, past its vsize
  upx_like.exe       UPX0 (no raw data) / UPX1 (RWX, entry) / .rsrc: a packer
  trunc_headers.exe  cut in the middle of the optional header
  past_eof.exe       a section whose raw data ends past the end of file
  odd_sections.exe   a section named with control bytes, raw >> virtual
  many_sections.exe  200 sections declared (parser caps them)
  overlay.exe        normal32 plus 4 KiB appended after the last section
"""
import os
import struct
import sys

FILE_ALIGN = 0x200
SECT_ALIGN = 0x1000

R, W, X, CODE, IDATA = 0x40000000, 0x80000000, 0x20000000, 0x20, 0x40


def align(n, a):
    return (n + a - 1) // a * a


def build(sections, entry, is64=False, image_base=None, nsect_decl=None):
    """sections: list of (name bytes, vaddr, vsize, data bytes, chars,
    raw_size override or None, raw_ptr override or None)."""
    if image_base is None:
        image_base = 0x140000000 if is64 else 0x400000
    opt_size = 240 if is64 else 224
    nsect = len(sections) if nsect_decl is None else nsect_decl
    hdr_len = align(0x80 + 4 + 20 + opt_size + 40 * len(sections), FILE_ALIGN)
    dos = bytearray(0x80)
    dos[0:2] = b"MZ"
    struct.pack_into("<I", dos, 0x3C, 0x80)
    coff = struct.pack("<HHIIIHH", 0x8664 if is64 else 0x14C, nsect, 0x5F000000, 0, 0,
                       opt_size, 0x0102 if not is64 else 0x0022)
    # lay out raw data
    raw = []
    ptr = hdr_len
    size_image = SECT_ALIGN
    for s in sections:
        name, va, vs, data, ch = s[:5]
        rs = s[5] if len(s) > 5 and s[5] is not None else align(len(data), FILE_ALIGN)
        rp = s[6] if len(s) > 6 and s[6] is not None else (ptr if rs else 0)
        raw.append((rp, rs))
        if len(s) <= 6 or s[6] is None:
            ptr += rs
        size_image = max(size_image, align(va + max(vs, 1), SECT_ALIGN))
    if is64:
        opt = struct.pack("<HBBIIIII", 0x20B, 14, 0, 0x200, 0x200, 0, entry, 0x1000)
        opt += struct.pack("<QII", image_base, SECT_ALIGN, FILE_ALIGN)
        opt += struct.pack("<HHHHHHI", 6, 0, 0, 0, 6, 0, 0)
        opt += struct.pack("<IIIHH", size_image, hdr_len, 0, 3, 0x8160)
        opt += struct.pack("<QQQQII", 0x100000, 0x1000, 0x100000, 0x1000, 0, 16)
    else:
        opt = struct.pack("<HBBIIIIII", 0x10B, 14, 0, 0x200, 0x200, 0, entry, 0x1000, 0x2000)
        opt += struct.pack("<III", image_base, SECT_ALIGN, FILE_ALIGN)
        opt += struct.pack("<HHHHHHI", 6, 0, 0, 0, 6, 0, 0)
        opt += struct.pack("<IIIHH", size_image, hdr_len, 0, 3, 0x8140)
        opt += struct.pack("<IIIIII", 0x100000, 0x1000, 0x100000, 0x1000, 0, 16)
    opt += b"\0" * (16 * 8)
    assert len(opt) == opt_size, (len(opt), opt_size)
    table = b""
    for s, (rp, rs) in zip(sections, raw):
        name, va, vs, data, ch = s[:5]
        table += struct.pack("<8sIIIIIIHHI", name, vs, va, rs, rp, 0, 0, 0, 0, ch)
    img = bytearray(dos + b"PE\0\0" + coff + opt + table)
    img += b"\0" * (hdr_len - len(img))
    for s, (rp, rs) in zip(sections, raw):
        data = s[3]
        if rs == 0:
            continue
        if len(img) < rp:
            img += b"\0" * (rp - len(img))
        chunk = (data + b"\0" * rs)[:rs]
        img[rp:rp + rs] = chunk
    return bytes(img)


TEXT = b"\x55\x89\xe5\x90\x90\x31\xc0\x5d\xc3" + b"\xcc" * 23  # push ebp .. ret
RDATA = b"benign read-only data\0"
DATA = b"benign data\0"


def base_sections(text=TEXT):
    return [
        (b".text", 0x1000, len(text), text, CODE | X | R),
        (b".rdata", 0x2000, len(RDATA), RDATA, IDATA | R),
        (b".data", 0x3000, len(DATA), DATA, IDATA | R | W),
    ]


def infected(is64, style="jmp"):
    secs = base_sections()
    oep = 0x1000
    va = 0x4000
    body = bytearray(b"\0" * 0x180)  # zero padding the infector appended
    stub_rva = va + len(body)
    if style == "jmp":
        stub = bytearray(b"\x60\x90\x90\x90\x61")  # pushad, nops, popad
        rel = oep - (stub_rva + len(stub) + 5)
        stub += b"\xe9" + struct.pack("<i", rel)
    elif style == "long":
        # a 400-byte "payload" of harmless register moves, then the jump back
        stub = bytearray(b"\x60" + b"\x89\xc0" * 200 + b"\x61")
        rel = oep - (stub_rva + len(stub) + 5)
        stub += b"\xe9" + struct.pack("<i", rel)
    else:
        image_base = 0x400000
        stub = bytearray(b"\x60\x90\x61\x68") + struct.pack("<I", image_base + oep) + b"\xc3"
    data = bytes(body + stub)
    secs.append((b".xb", va, len(data), data, CODE | X | R | W))
    return build(secs, stub_rva, is64=is64)


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)

    def put(name, data):
        with open(os.path.join(out, name), "wb") as f:
            f.write(data)

    put("normal32.exe", build(base_sections(), 0x1000))
    put("normal64.exe", build(base_sections(), 0x1000, is64=True))
    put("infected32.exe", infected(False))
    put("infected64.exe", infected(True))
    put("pushret32.exe", infected(False, style="pushret"))
    put("longstub32.exe", infected(False, style="long"))
    put("ep_outside.exe", build(base_sections(), 0x9000))
    # .text vsize 0x20 but 0x200 raw bytes: entry at 0x1100 is in the slack
    text = bytearray(TEXT + b"\0" * (0x100 - len(TEXT)))
    text += b"\x90\x90\xe9" + struct.pack("<i", 0x1000 - (0x1100 + 2 + 5))
    secs = base_sections(bytes(text))
    secs[0] = (b".text", 0x1000, 0x20, bytes(text), CODE | X | R)
    put("ep_slack.exe", build(secs, 0x1100))
    upx1 = b"\x60\xbe\x00\x10\x40\x00\x8d\xbe\x00\x00\x00\x00" + b"\x90" * 20 + b"\x61\xc3"
    put("upx_like.exe", build([
        (b"UPX0", 0x1000, 0x3000, b"", X | R | W | 0x80, 0, None),
        (b"UPX1", 0x4000, 0x1000, upx1, X | R | W | IDATA),
        (b".rsrc", 0x5000, 0x100, b"resources\0", R | W | IDATA),
    ], 0x4000))
    full = build(base_sections(), 0x1000)
    put("trunc_headers.exe", full[:0x80 + 4 + 20 + 50])
    put("past_eof.exe", build(base_sections()[:2] + [
        (b".data", 0x3000, 0x10, DATA, IDATA | R | W, 0x4000, 0x600)], 0x1000)[:0x800])
    put("odd_sections.exe", build(base_sections() + [
        (b"\x01\x02zz", 0x4000, 0x10, b"x" * 0x3000, IDATA | R)], 0x1000))
    many = [(b".s%d" % i, 0x1000 * (i + 1), 0x10, b"\x90", R | (CODE | X if i == 0 else 0))
            for i in range(100)]
    put("many_sections.exe", build(many, 0x1000, nsect_decl=200))
    put("overlay.exe", full + b"OVERLAY!" * 512)


FIXED_TIME = 1700000000  # alerts carry the file's mtime as @timestamp


def fix_times(out):
    for root, dirs, files in os.walk(out):
        for n in files + dirs:
            os.utime(os.path.join(root, n), (FIXED_TIME, FIXED_TIME))


if __name__ == "__main__":
    main()
    fix_times(sys.argv[1])
