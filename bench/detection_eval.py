#!/usr/bin/python3
"""detection_eval.py: detection and landmark accuracy on dlib's labelled faces.

Reads, on stdin, the faces a detector found as CSV lines
    file,face,x,y,width,height,score,"{""(x1,y1)"",...,""(x68,y68)""}"
(face_detect's columns, landmarks as a point[] literal) for the photos of
DIR (../shared/data/faces/dlib-detection), and prints:
  - recall and precision at IoU >= 0.5 against the 43 boxes of training.xml
    and testing.xml (each found face, best score first, takes the unmatched
    labelled box it overlaps most, when that IoU is >= 0.5);
  - the mean IoU of the matched faces (dlib's boxes are tighter and squarer
    than the SSD's: IoU is reported as is, nothing rescaled);
  - false positives on dogs.jpg (no human face in it);
  - the landmark error of the matched faces: mean distance over the 68
    points divided by the inter-ocular distance (outer eye corners, points
    36 and 45 of the iBUG scheme), against *_with_face_landmarks.xml.  Those
    points are dlib's shape predictor's (the files say so), not hand
    labels; parts are named 00..67 in iBUG order, face_detect's landmarks[1]
    is point 00.

usage: detection_eval.py DIR LABEL < faces.csv
"""
import csv
import math
import statistics
import sys
import xml.etree.ElementTree as ET

IOU_MIN = 0.5


def boxes(path):
    """{file: [(x, y, w, h, points or None)]} of one dlib dataset file"""
    out = {}
    for image in ET.parse(path).getroot().iter('image'):
        faces = out.setdefault(image.get('file'), [])
        for b in image.iter('box'):
            if b.get('ignore') == '1':
                continue
            parts = {int(p.get('name')): (float(p.get('x')), float(p.get('y')))
                     for p in b.iter('part')}
            points = [parts[i] for i in range(68)] if parts else None
            faces.append((float(b.get('left')), float(b.get('top')),
                          float(b.get('width')), float(b.get('height')), points))
    return out


def iou(a, b):
    ix = max(0.0, min(a[0] + a[2], b[0] + b[2]) - max(a[0], b[0]))
    iy = max(0.0, min(a[1] + a[3], b[1] + b[3]) - max(a[1], b[1]))
    inter = ix * iy
    union = a[2] * a[3] + b[2] * b[3] - inter
    return inter / union if union > 0 else 0.0


def parse_points(literal):
    """'{"(1,2)","(3,4)"}' -> [(1.0, 2.0), (3.0, 4.0)]"""
    items = literal.strip('{}').replace('"', '').split('),(')
    return [tuple(float(v) for v in it.strip('()').split(',')) for it in items]


def main():
    folder, label = sys.argv[1], sys.argv[2]
    truth, marks = {}, {}
    for name in ('training', 'testing'):
        truth.update(boxes(f'{folder}/{name}.xml'))
        marks.update(boxes(f'{folder}/{name}_with_face_landmarks.xml'))
    found = {}
    for row in csv.reader(sys.stdin):
        f, _, x, y, w, h, score, lm = row
        found.setdefault(f, []).append((float(score), (float(x), float(y), float(w), float(h)),
                                        parse_points(lm)))
    tp = fp = 0
    ious, errors = [], []
    for f, labelled in truth.items():
        free = list(range(len(labelled)))
        for score, box, points in sorted(found.get(f, []), key=lambda d: -d[0]):
            best = max(free, key=lambda i: iou(box, labelled[i]), default=None)
            if best is None or iou(box, labelled[best]) < IOU_MIN:
                fp += 1
                continue
            tp += 1
            free.remove(best)
            ious.append(iou(box, labelled[best]))
            # the landmark file's boxes differ slightly: take its closest one
            ref = max(marks[f], key=lambda m: iou(m, labelled[best]))[4]
            ocular = math.dist(ref[36], ref[45])
            errors.append(statistics.fmean(math.dist(p, q) for p, q in zip(points, ref)) / ocular)
    total = sum(len(v) for v in truth.values())
    dogs = len(found.get('dogs.jpg', []))
    print(f'{label}: recall {tp}/{total} = {100.0 * tp / total:.1f}%, '
          f'precision {tp}/{tp + fp} = {100.0 * tp / max(tp + fp, 1):.1f}% at IoU >= {IOU_MIN} '
          f'(mean IoU of matches {statistics.fmean(ious) if ious else 0:.2f}); '
          f'dogs.jpg: {dogs} false positive(s)')
    if errors:
        print(f'{label}: landmark error / inter-ocular over {len(errors)} matched faces: '
              f'mean {statistics.fmean(errors):.4f}, median {statistics.median(errors):.4f}, '
              f'max {max(errors):.4f}')


if __name__ == '__main__':
    main()
