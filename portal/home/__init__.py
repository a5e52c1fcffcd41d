"""Home, township and village pages; other domains fill the village page's sections."""
