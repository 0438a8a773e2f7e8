#!/bin/sh
zeroseg train --space attnas --dataset camvid --input-size 192 256 --data-root /work/shared/data/camvid --epochs 100 --device cpu --genotype '63363313566256136|7,10|1,7' --out runs/train_winner
