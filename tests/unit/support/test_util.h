/* Helpers shared by the unit tests. */
#ifndef SB_TEST_UTIL_H
#define SB_TEST_UTIL_H

#include <stddef.h>
#include <stdint.h>

/* Path of a file in the source tree (SB_SOURCE_DIR is set by ctest). Returns a static buffer. */
const char *sb_test_source_path(const char *rel);
/* Reads a whole file; caller frees. NULL on error. */
char *sb_test_read_file(const char *path, size_t *len);
/* Decodes hex into a malloc'd buffer. NULL on bad hex. */
uint8_t *sb_test_unhex(const char *hex, size_t *len);

#endif
