#!/bin/sh
zeroseg train --space gas --dataset camvid --input-size 192 256 --data-root /work/shared/data/camvid --epochs 100 --device cpu --genotype 'c=12152.72221.65244.37210.47155.14770.64335.43312.53571.70111.31121.71136.11115.35715;h=ppm' --out runs/train_winner
