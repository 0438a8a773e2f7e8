#!/bin/sh
zeroseg train --space fasterseg --dataset camvid --input-size 192 256 --data-root /work/shared/data/camvid --epochs 100 --device cpu --genotype 'o=4333304143312213.3434014124130233.3344011424143444;w=4304412423424030.2421343042121032.2102243442433413;a=15;b=' --out runs/train_winner
