#!/usr/bin/env python3
"""gen_evtx.py OUTDIR — a small, test-only EVTX writer and the fixtures the
log engine's tests read.

It builds valid files from scratch (file header with CRC32, 64 KiB chunks
with header and record CRCs, records, binary XML with templates defined
inline once per chunk and reused by offset, substitutions of every value
type, arrays, BinXml nested in a substitution) and corrupt variants (bad
checksums, bad chunk magic, dirty header with a stale chunk count,
zero-size record, bad record size, truncated last chunk, incomplete
template). Every value is benign and made up; nothing is copied from real
logs. The expected values are asserted in tests/unit/logs/test_evtx.c and
test_binxml.c; change both together.
"""
import os
import struct
import sys
import uuid
import zlib

CHUNK = 65536

# value types
T_NULL, T_STR, T_ANSI, T_I8, T_U8, T_I16, T_U16, T_I32, T_U32, T_I64, T_U64 = range(0x0b)
T_F32, T_F64, T_BOOL, T_BIN, T_GUID, T_SIZE, T_FT, T_ST, T_SID, T_H32, T_H64 = range(0x0b, 0x16)
T_BINXML = 0x21
T_ARRAY = 0x80


class Sub:
    """A substitution in a template: value index and declared type."""

    def __init__(self, idx, typ, optional=False):
        self.idx, self.typ, self.optional = idx, typ, optional


class El:
    def __init__(self, name, attrs=None, children=None):
        self.name, self.attrs, self.children = name, attrs or [], children or []


class Raw:
    """Raw content tokens (for entity/char refs, CDATA, broken bytes)."""

    def __init__(self, data):
        self.data = data


def utf16(s):
    return s.encode('utf-16-le')


def filetime(unix_s, frac=0):
    return (unix_s + 11644473600) * 10000000 + frac


def sid_bytes(s):
    parts = s.split('-')
    rev, auth = int(parts[1]), int(parts[2])
    subs = [int(x) for x in parts[3:]]
    return struct.pack('<BB', rev, len(subs)) + auth.to_bytes(6, 'big') + b''.join(
        struct.pack('<I', x) for x in subs)


class Chunk:
    def __init__(self, first_num, first_id):
        self.buf = bytearray(512)
        self.names = {}
        self.templates = {}
        self.first_num = first_num
        self.first_id = first_id
        self.n = 0
        self.last_off = 0

    @property
    def pos(self):
        return len(self.buf)

    def w(self, b):
        self.buf += b

    def name_ref(self, name):
        """Writes a name offset; the name itself inline when first used."""
        if name in self.names:
            self.w(struct.pack('<I', self.names[name]))
            return
        off = self.pos + 4
        self.names[name] = off
        self.w(struct.pack('<I', off))
        self.w(struct.pack('<IHH', 0, 0, len(name)) + utf16(name) + b'\0\0')

    def value_text(self, s, more=False):
        self.w(bytes([0x45 if more else 0x05, T_STR]) + struct.pack('<H', len(s)) + utf16(s))

    def content_item(self, c, dep):
        if isinstance(c, El):
            self.element(c, dep)
        elif isinstance(c, Sub):
            self.w(bytes([0x0e if c.optional else 0x0d]) + struct.pack('<HB', c.idx, c.typ))
        elif isinstance(c, Raw):
            self.w(c.data)
        else:
            self.value_text(c)

    def element(self, el, dep=True):
        start = self.pos
        self.w(bytes([0x41 if el.attrs else 0x01]))
        if dep:
            self.w(b'\xff\xff')
        size_at = self.pos
        self.w(b'\0\0\0\0')
        self.name_ref(el.name)
        if el.attrs:
            list_at = self.pos
            self.w(b'\0\0\0\0')
            for i, (an, av) in enumerate(el.attrs):
                last = i == len(el.attrs) - 1
                self.w(bytes([0x06 if last else 0x46]))
                self.name_ref(an)
                self.content_item(av, dep)
            struct.pack_into('<I', self.buf, list_at, self.pos - list_at - 4)
        if el.children:
            self.w(b'\x02')
            for c in el.children:
                self.content_item(c, dep)
            self.w(b'\x04')
        else:
            self.w(b'\x03')
        struct.pack_into('<I', self.buf, size_at, self.pos - size_at - 4)
        return start

    def template_instance(self, key, root, values):
        """0x0c, template (inline the first time), then the values."""
        self.w(b'\x0c\x01')
        self.w(struct.pack('<I', zlib.crc32(key.encode())))
        if key in self.templates:
            self.w(struct.pack('<I', self.templates[key]))
        else:
            def_off = self.pos + 4
            self.templates[key] = def_off
            self.w(struct.pack('<I', def_off))
            self.w(b'\0\0\0\0' + uuid.uuid5(uuid.NAMESPACE_DNS, key).bytes_le)
            size_at = self.pos
            self.w(b'\0\0\0\0')
            data_start = self.pos
            self.w(b'\x0f\x01\x01\x00')
            self.element(root, True)
            self.w(b'\x00')
            struct.pack_into('<I', self.buf, size_at, self.pos - data_start)
        self.w(struct.pack('<I', len(values)))
        desc_at = self.pos
        self.w(b'\0' * (4 * len(values)))
        for i, (typ, val) in enumerate(values):
            vstart = self.pos
            if typ == T_BINXML:
                self.w(b'\x0f\x01\x01\x00')
                k2, root2, vals2 = val
                self.template_instance(k2, root2, vals2)
                self.w(b'\x00')
            else:
                self.w(val)
            struct.pack_into('<HBB', self.buf, desc_at + 4 * i, self.pos - vstart, typ, 0)

    def record(self, rec_id, ts, key, root, values, tail=b'\x00'):
        start = self.pos
        self.w(b'\x2a\x2a\0\0\0\0\0\0' + struct.pack('<QQ', rec_id, ts))
        self.w(b'\x0f\x01\x01\x00')
        self.template_instance(key, root, values)
        self.w(tail)
        size = self.pos - start + 4
        self.w(struct.pack('<I', size))
        struct.pack_into('<I', self.buf, start + 4, size)
        if self.pos > CHUNK:
            raise ValueError('chunk overflow')
        self.n += 1
        self.last_off = start
        return start

    def room(self):
        return CHUNK - self.pos

    def finish(self):
        free = self.pos
        data = bytes(self.buf) + b'\0' * (CHUNK - self.pos)
        b = bytearray(data)
        last_num = self.first_num + self.n - 1
        last_id = self.first_id + self.n - 1
        b[0:8] = b'ElfChnk\0'
        struct.pack_into('<QQQQIIII', b, 8, self.first_num, last_num, self.first_id, last_id,
                         128, self.last_off, free, zlib.crc32(b[512:free]) & 0xffffffff)
        crc = zlib.crc32(b[0:120] + b[128:512]) & 0xffffffff
        struct.pack_into('<I', b, 124, crc)
        return b


def file_header(n_chunks, next_id, flags=0, count=None):
    h = bytearray(4096)
    h[0:8] = b'ElfFile\0'
    struct.pack_into('<QQQIHHHH', h, 8, 0, max(n_chunks - 1, 0), next_id, 128, 1, 3, 4096,
                     n_chunks if count is None else count)
    struct.pack_into('<I', h, 120, flags)
    struct.pack_into('<I', h, 124, zlib.crc32(h[0:120]) & 0xffffffff)
    return h


# ---- templates ----

def system(provider, channel, computer):
    return El('System', children=[
        El('Provider', attrs=[('Name', provider), ('Guid', '{11111111-2222-3333-4444-555555555555}')]),
        El('EventID', attrs=[('Qualifiers', Sub(0, T_U16, True))], children=[Sub(1, T_U16)]),
        El('Version', children=[Sub(2, T_U8)]),
        El('Level', children=[Sub(3, T_U8)]),
        El('Task', children=[Sub(4, T_U16)]),
        El('Keywords', children=[Sub(5, T_H64)]),
        El('TimeCreated', attrs=[('SystemTime', Sub(6, T_FT))]),
        El('EventRecordID', children=[Sub(7, T_U64)]),
        El('Execution', attrs=[('ProcessID', Sub(8, T_U32)), ('ThreadID', Sub(9, T_U32))]),
        El('Channel', children=[channel]),
        El('Computer', children=[computer]),
        El('Security', attrs=[('UserID', Sub(10, T_SID, True))]),
    ])


def sys_values(eid, ts, rec, pid=4, tid=8, sid='S-1-5-18'):
    return [
        (T_NULL, b''),
        (T_U16, struct.pack('<H', eid)),
        (T_U8, b'\x02'),
        (T_U8, b'\x00'),
        (T_U16, struct.pack('<H', 13312)),
        (T_H64, struct.pack('<Q', 0x8020000000000000)),
        (T_FT, struct.pack('<Q', ts)),
        (T_U64, struct.pack('<Q', rec)),
        (T_U32, struct.pack('<I', pid)),
        (T_U32, struct.pack('<I', tid)),
        (T_SID, sid_bytes(sid)) if sid else (T_NULL, b''),
    ]


def data(name, sub):
    return El('Data', attrs=[('Name', name)], children=[sub])


# A template whose EventData has one Data per value type (index 11..)
TYPES = [
    ('AString', T_STR), ('AnAnsi', T_ANSI), ('I8', T_I8), ('U8', T_U8), ('I16', T_I16),
    ('U16', T_U16), ('I32', T_I32), ('U32', T_U32), ('I64', T_I64), ('U64', T_U64),
    ('F32', T_F32), ('F64', T_F64), ('Bool', T_BOOL), ('Bin', T_BIN), ('Guid', T_GUID),
    ('SizeT', T_SIZE), ('FileTime', T_FT), ('SysTime', T_ST), ('Sid', T_SID),
    ('Hex32', T_H32), ('Hex64', T_H64), ('StrArray', T_STR | T_ARRAY),
    ('U32Array', T_U32 | T_ARRAY), ('Optional Null', T_NULL),
]


def types_template():
    ed = [data(n, Sub(11 + i, t, n == 'Optional Null')) for i, (n, t) in enumerate(TYPES)]
    return El('Event', attrs=[('xmlns', 'http://schemas.microsoft.com/win/2004/08/events/event')],
              children=[system('Mamori-Test-Types', 'Mamori/Test', 'host-a.example'),
                        El('EventData', children=ed)])


def types_values(variant):
    ts = filetime(1600000000, 1234567)
    st = struct.pack('<8H', 2020, 9, 0, 13, 12, 26, 40, 123)
    vals = [
        utf16('hello \u00e9\u4e16 world' if variant == 0 else 'second'),
        b'ansi text\0',
        struct.pack('<b', -5), struct.pack('<B', 250), struct.pack('<h', -300),
        struct.pack('<H', 65000), struct.pack('<i', -70000), struct.pack('<I', 4000000000),
        struct.pack('<q', -5000000000), struct.pack('<Q', 18000000000000000000),
        struct.pack('<f', 1.5), struct.pack('<d', -2.25), struct.pack('<I', 1),
        b'\xde\xad\xbe\xef', uuid.UUID('12345678-9abc-def0-1122-334455667788').bytes_le,
        struct.pack('<Q', 0x1000), struct.pack('<Q', ts), st,
        sid_bytes('S-1-5-21-1-2-3-500'), struct.pack('<I', 0x3e7), struct.pack('<Q', 0xdeadbeef00),
        utf16('one\0two\0'), struct.pack('<III', 1, 2, 3), b'',
    ]
    return vals


def types_record(ch, rec_id, variant):
    ts = filetime(1600000000 + rec_id)
    vals = sys_values(4688, ts, rec_id) + [
        (t, v) for (n, t), v in zip(TYPES, types_values(variant))]
    ch.record(rec_id, ts, 'types', types_template(), vals)


def proc_template():
    return El('Event', children=[
        system('Microsoft-Windows-Sysmon', 'Microsoft-Windows-Sysmon/Operational', 'ws1.example'),
        El('EventData', children=[
            data('Image', Sub(11, T_STR)),
            data('CommandLine', Sub(12, T_STR)),
            data('ParentImage', Sub(13, T_STR)),
            data('User', Sub(14, T_STR)),
            data('ProcessId', Sub(15, T_U32)),
        ])])


def proc_record(ch, rec_id, image, cmd, parent='C:\\Windows\\explorer.exe'):
    ts = filetime(1600000000 + rec_id)
    vals = sys_values(1, ts, rec_id) + [
        (T_STR, utf16(image)), (T_STR, utf16(cmd)), (T_STR, utf16(parent)),
        (T_STR, utf16('EXAMPLE\\alice')), (T_U32, struct.pack('<I', 4242))]
    ch.record(rec_id, ts, 'proc', proc_template(), vals)


def nested_record(ch, rec_id):
    """UserData whose content is a BinXml substitution holding an
    EventData list (EventData inside UserData)."""
    outer = El('Event', children=[
        system('Mamori-Test-Nested', 'Mamori/Test', 'host-a.example'),
        El('UserData', children=[Sub(11, T_BINXML)])])
    inner = El('EventXML', children=[
        El('TaskName', children=[Sub(0, T_STR)]),
        El('EventData', children=[data('Action Name', Sub(1, T_STR)), data('Count', Sub(2, T_U32))])])
    ts = filetime(1600000000 + rec_id)
    vals = sys_values(106, ts, rec_id) + [
        (T_BINXML, ('inner', inner, [(T_STR, utf16('\\Mamori\\Task')), (T_STR, utf16('run.exe')),
                                    (T_U32, struct.pack('<I', 7))]))]
    ch.record(rec_id, ts, 'nested', outer, vals)


def unnamed_record(ch, rec_id):
    """Classic-style EventData with unnamed Data, and literal content with
    entity/char references and CDATA."""
    ev = El('Event', children=[
        system('Mamori-Test-Classic', 'Windows PowerShell', 'host-b.example'),
        El('EventData', children=[
            El('Data', children=[Sub(11, T_STR)]),
            El('Data', children=[Sub(12, T_STR)]),
            El('Data', children=[Sub(13, T_STR)]),
        ]),
        El('Literal', children=['x']),
    ])
    ts = filetime(1600000000 + rec_id)
    vals = sys_values(400, ts, rec_id) + [
        (T_STR, utf16('Available')), (T_STR, utf16('None')),
        (T_STR, utf16('HostApplication=powershell.exe -enc ZQBjAGgAbwAgAGgAaQA='))]
    ch.record(rec_id, ts, 'unnamed', ev, vals)


def refs_record(ch, rec_id):
    """Literal content made of value text, an entity reference, a processing
    instruction (target + data, dropped), a character reference and a CDATA
    section, in a UserData leaf."""
    pass_el = El('Event', children=[
        system('Mamori-Test-Refs', 'Mamori/Test', 'host-a.example'),
        El('UserData', children=[El('Refs', children=[El('Text', children=[
            Raw(bytes([0x45, T_STR]) + struct.pack('<H', 2) + utf16('a<')),
            'ENTITY_AMP', 'PI', 'CHARREF', 'CDATA'])])])])
    ts = filetime(1600000000 + rec_id)
    orig = ch.content_item

    def item(c, dep):
        if c == 'ENTITY_AMP':
            ch.w(b'\x49')
            ch.name_ref('amp')
        elif c == 'CHARREF':
            ch.w(b'\x48' + struct.pack('<H', 0x263a))
        elif c == 'CDATA':
            ch.w(b'\x07' + struct.pack('<H', 3) + utf16('<b>'))
        elif c == 'PI':
            # a processing instruction: target name, then data (dropped)
            ch.w(b'\x0a')
            ch.name_ref('mamori-pi')
            ch.w(b'\x0b' + struct.pack('<H', 4) + utf16('data'))
        else:
            orig(c, dep)
    ch.content_item = item
    try:
        ch.record(rec_id, ts, 'refs', pass_el, sys_values(9, ts, rec_id))
    finally:
        ch.content_item = orig


def bomb_record(ch, rec_id):
    """A nesting bomb: every level uses its one BinXml value 60 times, five
    levels deep (60^5 renderings without a work budget)."""
    inner = El('Bomb', children=[El('Y%d' % i, children=[Sub(0, T_BINXML)]) for i in range(60)])

    def level(n):
        if n == 0:
            return (T_STR, utf16('leaf'))
        return (T_BINXML, ('bomb', inner, [level(n - 1)]))
    outer = El('Event', children=[
        system('Mamori-Test-Bomb', 'Mamori/Test', 'host-a.example'),
        El('UserData', children=[Sub(11, T_BINXML)])])
    ts = filetime(1600000000 + rec_id)
    ch.record(rec_id, ts, 'bomb-outer', outer, sys_values(7, ts, rec_id) + [level(5)])


def basic_chunk():
    ch = Chunk(1, 1)
    types_record(ch, 1, 0)
    types_record(ch, 2, 1)                 # template reused by offset
    nested_record(ch, 3)
    unnamed_record(ch, 4)
    refs_record(ch, 5)
    proc_record(ch, 6, 'C:\\Windows\\System32\\schtasks.exe',
                'schtasks /create /tn upd /tr "powershell -enc ZQBjAGgAbwAgAGgAaQA=" /sc minute')
    return ch


def filler_chunks(n_chunks, per_chunk, first_id=1):
    chunks = []
    rid = first_id
    for c in range(n_chunks):
        ch = Chunk(rid, rid)
        for _ in range(per_chunk):
            proc_record(ch, rid, 'C:\\Windows\\System32\\cmd.exe', 'cmd /c echo %d' % rid)
            rid += 1
        chunks.append(ch)
    return chunks, rid


def write(path, header, chunks_bytes, cut=None):
    data = bytes(header) + b''.join(bytes(c) for c in chunks_bytes)
    if cut is not None:
        data = data[:cut]
    with open(path, 'wb') as f:
        f.write(data)


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    b = basic_chunk()
    write(os.path.join(out, 'basic.evtx'), file_header(1, 7), [b.finish()])

    chunks, nxt = filler_chunks(3, 50)
    fin = [c.finish() for c in chunks]
    write(os.path.join(out, 'multi.evtx'), file_header(3, nxt), fin)

    h = file_header(3, nxt)
    h[124] ^= 0xff
    write(os.path.join(out, 'bad_file_crc.evtx'), h, fin)

    bad = [bytearray(c) for c in fin]
    bad[1][124] ^= 0xff                    # chunk header CRC
    write(os.path.join(out, 'bad_chunk_crc.evtx'), file_header(3, nxt), bad)

    bad = [bytearray(c) for c in fin]
    bad[1][0:8] = b'ElfJunk\0'             # chunk magic
    write(os.path.join(out, 'bad_chunk_magic.evtx'), file_header(3, nxt), bad)

    # dirty header that still says one chunk
    write(os.path.join(out, 'dirty.evtx'), file_header(3, 51, flags=1, count=1), fin)

    # record 10 of chunk 0 with a zero size; record 20 with a wrong size copy
    bad = [bytearray(c) for c in fin]
    offs = []
    p = 512
    for _ in range(50):
        size = struct.unpack_from('<I', bad[0], p + 4)[0]
        offs.append((p, size))
        p += size
    p10, _ = offs[9]
    struct.pack_into('<I', bad[0], p10 + 4, 0)
    p20, s20 = offs[19]
    struct.pack_into('<I', bad[0], p20 + 4, s20 + 8)
    write(os.path.join(out, 'bad_records.evtx'), file_header(3, nxt), bad)

    # cut in the middle of the last chunk: the records before the cut stay
    last = fin[2]
    p = 512
    for _ in range(25):
        p += struct.unpack_from('<I', last, p + 4)[0]
    write(os.path.join(out, 'truncated.evtx'), file_header(3, nxt), fin, cut=4096 + 2 * CHUNK + p + 10)

    # incomplete template: the EventData part of the definition is broken
    ch = Chunk(1, 1)
    proc_record(ch, 1, 'C:\\a.exe', 'a')
    proc_record(ch, 2, 'C:\\b.exe', 'b')
    raw = bytearray(ch.finish())
    tmpl_off = ch.templates['proc']
    size = struct.unpack_from('<I', raw, tmpl_off + 20)[0]
    data_start = tmpl_off + 24
    # find the EventData element name and break the token after it
    name = utf16('EventData')
    i = raw.find(name, data_start, data_start + size)
    raw[i + len(name) + 2] = 0x7f          # after the name: a bad token
    fix = zlib.crc32(raw[512:struct.unpack_from('<I', raw, 48)[0]]) & 0xffffffff
    struct.pack_into('<I', raw, 52, fix)
    struct.pack_into('<I', raw, 124, zlib.crc32(raw[0:120] + raw[128:512]) & 0xffffffff)
    write(os.path.join(out, 'incomplete_template.evtx'), file_header(1, 3), [raw])

    # a nesting bomb between two ordinary records
    ch = Chunk(1, 1)
    proc_record(ch, 1, 'C:\\a.exe', 'a')
    bomb_record(ch, 2)
    proc_record(ch, 3, 'C:\\c.exe', 'c')
    write(os.path.join(out, 'bomb.evtx'), file_header(1, 4), [ch.finish()])

    # a larger file for benchmarks and chunk-boundary tests: 40 chunks
    chunks, nxt = filler_chunks(40, 120)
    write(os.path.join(out, 'large.evtx'), file_header(40, nxt), [c.finish() for c in chunks])

    # chunk-level fuzz seed
    with open(os.path.join(out, 'chunk0.bin'), 'wb') as f:
        f.write(bytes(b.finish()))


if __name__ == '__main__':
    main()
