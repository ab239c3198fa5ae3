#!/usr/bin/python3
"""lfw_errors.py: the LFW pairs a variant gets wrong, one line each, and
(with --png DIR) a picture of each pair with its landmarks, to look at.

Reads CSV on stdin (bench/lfw_accuracy.sh writes it): one row per photo of
a wrong pair: pair number, fold, same (t/f), distance, threshold, photo
name, number, detector score of the main box (empty when only the second look
found the face), main box width and height, and the 68 landmarks as
x1,y1,...,x68,y68 in a "{...}" array, then (for --png) the decoded
picture's width, height and RGB8 pixels in base64.  For each photo it prints the landmark-fit
residual: the root mean square distance, in chip units (the face core is
100 units wide), between the 33 landmarks the dlib68 alignment fits and
the template (src/face/align_template.c) after the least-squares
similarity: large when the landmarks are not where a frontal face has
them (pose, expression, landmarks off, not a face).  Also the roll angle
and the yaw proxy (nose tip off the eyes' midline, chip units).
"""
import base64
import csv
import math
import re
import struct
import sys
import zlib

FIT = list(range(27, 55)) + list(range(60, 65))


def template(top):
    src = open(top + '/src/face/align_template.c').read()
    return [(float(a), float(b)) for a, b in re.findall(r'\{([-\d.]+), ([-\d.]+)\}', src)]


def fit(tpl, pts):
    """similarity template -> points over FIT: (a, b, tx, ty), residual in template units"""
    n = len(FIT)
    mp = [sum(tpl[i][k] for i in FIT) / n for k in (0, 1)]
    mq = [sum(pts[i][k] for i in FIT) / n for k in (0, 1)]
    pp = dot = cross = 0.0
    for i in FIT:
        px, py = tpl[i][0] - mp[0], tpl[i][1] - mp[1]
        qx, qy = pts[i][0] - mq[0], pts[i][1] - mq[1]
        pp += px * px + py * py
        dot += px * qx + py * qy
        cross += px * qy - py * qx
    a, b = dot / pp, cross / pp
    s = math.hypot(a, b)
    res = 0.0
    for i in FIT:
        px, py = tpl[i][0] - mp[0], tpl[i][1] - mp[1]
        qx, qy = pts[i][0] - mq[0], pts[i][1] - mq[1]
        res += (a * px - b * py - qx) ** 2 + (b * px + a * py - qy) ** 2
    return a, b, s, math.sqrt(res / n) / s


def png(path, w, h, rgb):
    raw = b''.join(b'\0' + bytes(rgb[y * w * 3:(y + 1) * w * 3]) for y in range(h))
    def chunk(t, d):
        return struct.pack('>I', len(d)) + t + d + struct.pack('>I', zlib.crc32(t + d) & 0xffffffff)
    with open(path, 'wb') as f:
        f.write(b'\x89PNG\r\n\x1a\n' + chunk(b'IHDR', struct.pack('>IIBBBBB', w, h, 8, 2, 0, 0, 0))
                + chunk(b'IDAT', zlib.compress(raw)) + chunk(b'IEND', b''))


def main():
    args = sys.argv[1:]
    top = args[args.index('--top') + 1]
    out = args[args.index('--png') + 1] if '--png' in args else None
    tpl = template(top)
    csv.field_size_limit(1 << 30)
    rows = list(csv.reader(sys.stdin))
    pairs = {}
    for r in rows:
        pairs.setdefault(int(r[0]), []).append(r)
    print('pair fold same  dist  thr | photo (detector score, box, fit residual, roll deg, yaw) x 2')
    for i in sorted(pairs):
        ps = pairs[i]
        line = f'{i:4d} {ps[0][1]:>4} {ps[0][2]:>4} {float(ps[0][3]):5.3f} {float(ps[0][4]):5.3f} |'
        pics = []
        for r in ps:
            v = [float(x) for x in r[10].strip('{}').split(',')] if r[10] else None
            if v is None:
                line += f' {r[5]}_{int(r[6]):04d} (no face)'
                continue
            pts = [(v[2 * k], v[2 * k + 1]) for k in range(68)]
            a, b, s, res = fit(tpl, pts)
            # yaw proxy: nose tip (30) against the eyes' midpoint, along the eye line, in chip units
            ex = (sum(pts[k][0] for k in range(36, 48)) / 12, sum(pts[k][1] for k in range(36, 48)) / 12)
            c, sn = a / s, b / s
            yaw = ((pts[30][0] - ex[0]) * c + (pts[30][1] - ex[1]) * sn) / s
            score = f'{float(r[7]):.2f}' if r[7] else '2nd'
            line += (f' {r[5]}_{int(r[6]):04d} ({score}, {float(r[8]):.0f}x{float(r[9]):.0f}px, res {res:.1f}, '
                     f'roll {math.degrees(math.atan2(b, a)):.0f}, yaw {yaw:+.0f})')
            pics.append((r, pts))
        print(line)
        if out and pics:
            imgs = []
            for r, pts in pics:
                w, h, rgb = int(r[11]), int(r[12]), bytearray(base64.b64decode(r[13]))
                for x, y in pts:
                    for dx in (-1, 0, 1):
                        for dy in (-1, 0, 1):
                            xx, yy = int(x) + dx, int(y) + dy
                            if 0 <= xx < w and 0 <= yy < h:
                                rgb[(yy * w + xx) * 3:(yy * w + xx) * 3 + 3] = b'\x00\xff\x00'
                imgs.append((w, h, rgb))
            H = max(h for _, h, _ in imgs)
            W = sum(w for w, _, _ in imgs)
            canvas = bytearray(W * H * 3)
            x0 = 0
            for w, h, rgb in imgs:
                for y in range(h):
                    canvas[(y * W + x0) * 3:(y * W + x0 + w) * 3] = rgb[y * w * 3:(y + 1) * w * 3]
                x0 += w
            png(f'{out}/pair{i:04d}.png', W, H, canvas)


if __name__ == '__main__':
    main()
