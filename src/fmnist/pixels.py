"""The training set's pixel statistics, which every model input is standardized with
(`fmnist.data.normalize`): the mean and standard deviation of its pixels, scaled to [0, 1]."""

PIXEL_MEAN = 0.2860
PIXEL_STD = 0.3530
