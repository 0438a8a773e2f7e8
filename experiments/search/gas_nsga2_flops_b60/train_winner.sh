#!/bin/sh
zeroseg train --space gas --dataset camvid --input-size 192 256 --data-root /work/shared/data/camvid --epochs 100 --device cpu --genotype 'c=32503.56567.33212.52745.37421.65440.12415.32421.47444.16536.10431.21435.01236.70062;h=ppm' --out runs/train_winner
