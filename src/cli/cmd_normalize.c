/*
 * cmd_normalize.c — `junkai normalize`: print the normalized form of each
 * input line, the form rule terms and regexes are matched against. Rule
 * authors use it to see what a regex must match; tests use it to compare
 * the normalizer with an independent implementation (ICU's uconv).
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "input.h"
#include "junkai/limits.h"

static const char normalize_usage[] =
    "usage: junkai normalize [--steps LIST] [--offsets] [FILE…]\n"
    "\n"
    "Print each input line (from the FILEs or standard input) in normalized\n"
    "form: the text that rule terms and regular expressions are matched\n"
    "against.\n"
    "\n"
    "  --steps LIST   comma-separated subset of nfkc, case, kana, separators,\n"
    "                 lookalike (default: all)\n"
    "  --offsets      after each line, print the original byte range of each\n"
    "                 normalized character as start-end pairs\n"
    "  -h, --help     show this help\n";

static bool parse_steps(const char *list, unsigned *flags)
{
    static const struct {
        const char *name;
        unsigned flag;
    } steps[] = {{"nfkc", JK_NORM_NFKC},
                 {"case", JK_NORM_CASE},
                 {"kana", JK_NORM_KANA},
                 {"separators", JK_NORM_SEPARATORS},
                 {"lookalike", JK_NORM_LOOKALIKE},
                 {"all", JK_NORM_ALL},
                 {"none", 0}};
    *flags = 0;
    const char *p = list;
    while (*p) {
        const char *comma = strchr(p, ',');
        size_t len = comma ? (size_t)(comma - p) : strlen(p);
        size_t i;
        for (i = 0; i < sizeof steps / sizeof steps[0]; i++)
            if (strlen(steps[i].name) == len && memcmp(steps[i].name, p, len) == 0)
                break;
        if (i == sizeof steps / sizeof steps[0]) {
            jk_cli_error("unknown normalization step \"%.*s\"", (int)len, p);
            return false;
        }
        *flags |= steps[i].flag;
        p += len + (comma != NULL);
    }
    return true;
}

static int normalize_stream(const jk_normalizer *norm, FILE *fp, const char *name,
                            bool offsets, jk_normalized *res)
{
    jk_line_reader reader;
    jk_line_reader_init(&reader, fp, JK_MAX_TEXT_BYTES);
    const char *line;
    size_t len;
    int rc, status = JK_EXIT_OK;
    jk_error err;
    while ((rc = jk_line_reader_next(&reader, &line, &len)) != 0) {
        if (rc < 0) {
            jk_cli_error("%s:%lu: %s", name, reader.line_no,
                         rc == JK_ELIMIT ? "line too long, skipped" : "read error");
            status = JK_EXIT_ERROR;
            if (rc != JK_ELIMIT)
                break;
            continue;
        }
        if (jk_normalize(norm, line, len, res, &err)) {
            jk_cli_error("%s:%lu: %s", name, reader.line_no, err.message);
            status = JK_EXIT_ERROR;
            continue;
        }
        fwrite(res->text, 1, res->len, stdout);
        putchar('\n');
        if (offsets) {
            for (size_t i = 0; i < res->len; i++) {
                if (((unsigned char)res->text[i] & 0xC0) == 0x80)
                    continue; /* one pair per character, not per byte */
                printf("%s%u-%u", i ? " " : "", res->orig_start[i], res->orig_end[i]);
            }
            putchar('\n');
        }
    }
    jk_line_reader_release(&reader);
    return status;
}

int cmd_normalize(int argc, char **argv)
{
    static const struct option options[] = {
        {"steps", required_argument, NULL, 's'},
        {"offsets", no_argument, NULL, 'o'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    unsigned flags = JK_NORM_ALL;
    bool offsets = false;
    optind = 1;
    int ch;
    while ((ch = getopt_long(argc, argv, "h", options, NULL)) != -1) {
        switch (ch) {
        case 's':
            if (!parse_steps(optarg, &flags))
                return JK_EXIT_ERROR;
            break;
        case 'o':
            offsets = true;
            break;
        case 'h':
            fputs(normalize_usage, stdout);
            return JK_EXIT_OK;
        default:
            fputs(normalize_usage, stderr);
            return JK_EXIT_ERROR;
        }
    }
    jk_normalizer *norm;
    jk_error err;
    if (jk_normalizer_new(flags, &norm, &err)) {
        jk_cli_error("%s", err.message);
        return JK_EXIT_ERROR;
    }
    jk_normalized res;
    jk_normalized_init(&res);
    int status = JK_EXIT_OK;
    if (optind == argc) {
        status = normalize_stream(norm, stdin, "(stdin)", offsets, &res);
    } else {
        for (int i = optind; i < argc; i++) {
            FILE *fp = strcmp(argv[i], "-") == 0 ? stdin : fopen(argv[i], "rb");
            if (!fp) {
                jk_cli_error("%s: cannot open", argv[i]);
                status = JK_EXIT_ERROR;
                continue;
            }
            int rc = normalize_stream(norm, fp, argv[i], offsets, &res);
            if (rc)
                status = rc;
            if (fp != stdin)
                fclose(fp);
        }
    }
    jk_normalized_release(&res);
    jk_normalizer_free(norm);
    return status;
}
