/*
 * cmd_extract.c — `junkai extract`: the indicators in posts (URLs, domains,
 * phone numbers, messenger IDs, wallets, bank accounts) without the rules,
 * for sharing contact points with other teams or feeding other tools.
 */
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "cli.h"
#include "extract.h"
#include "input.h"
#include "junkai/limits.h"
#include "output.h"

static const char extract_usage[] =
    "usage: junkai extract [--format jsonl|text] [--defang] [--input text|jsonl|auto] [FILE…]\n"
    "\n"
    "Print the indicators found in each post of the FILEs (or standard input):\n"
    "URLs (also defanged ones: hxxp, [.]), domains, IP addresses, e-mail,\n"
    "Japanese phone numbers (E.164), LINE/Telegram/Signal/Threema/Session/Wickr\n"
    "IDs, Discord invites, X and Instagram handles, crypto wallets (checksums\n"
    "verified) and bank accounts, each with its canonical value and its byte\n"
    "spans in the post. Input is one post per line, or JSONL posts with \"text\"\n"
    "(and \"id\"). Only posts with indicators are printed.\n"
    "\n"
    "  --format jsonl   {\"line\",\"id\"?,\"indicators\":[{\"type\",\"value\",\"spans\"}]}\n"
    "                   (default when standard output is not a terminal)\n"
    "  --format text    FILE:LINE: TYPE VALUE, one indicator per line\n"
    "  --defang         write URLs, domains, IPs and e-mail defanged (hxxps, [.])\n"
    "                   so they can be pasted safely\n"
    "\n"
    "Exit status: 0 when an indicator was found, 1 when none, 2 on error.\n";

typedef struct extract_opts {
    bool text;
    bool defang;
    jk_input_kind forced; /* JK_INPUT_AUTO unless --input */
} extract_opts;

static void print_item(const extract_opts *o, const char *file, unsigned long line,
                       json_t *id, const jk_indicator_list *list, jk_buf *out)
{
    jk_buf_reset(out);
    if (o->text) {
        jk_buf shown;
        jk_buf_init(&shown, 0);
        for (size_t i = 0; i < list->count; i++) {
            const jk_indicator *x = &list->items[i];
            const char *value = x->value;
            if (o->defang &&
                jk_indicator_defang(x->type, x->value, strlen(x->value), &shown) == JK_OK)
                value = shown.data;
            jk_buf_printf(out, "%s:%lu: %s %s\n", file ? file : "(stdin)", line,
                          jk_indicator_type_name(x->type), value);
        }
        jk_buf_release(&shown);
    } else {
        jk_buf_puts(out, "{");
        if (file) {
            jk_buf_puts(out, "\"file\":\"");
            jk_buf_json_string(out, file, strlen(file));
            jk_buf_puts(out, "\",");
        }
        jk_buf_puts(out, "\"line\":");
        jk_buf_put_uint(out, line);
        if (json_is_string(id)) {
            jk_buf_puts(out, ",\"id\":\"");
            jk_buf_json_string(out, json_string_value(id), json_string_length(id));
            jk_buf_putc(out, '"');
        } else if (json_is_integer(id)) {
            jk_buf_printf(out, ",\"id\":%lld", (long long)json_integer_value(id));
        }
        jk_buf_puts(out, ",\"indicators\":");
        jk_output_indicators_json(out, list, o->defang);
        jk_buf_puts(out, "}\n");
    }
    fwrite(out->data, 1, out->len, stdout);
}

/* Returns the number of posts with indicators, or -1 when the file cannot
 * be read. Bad lines are reported with file:line and skipped. */
static long extract_file(const extract_opts *o, const char *path, FILE *fp)
{
    jk_line_reader reader;
    jk_line_reader_init(&reader, fp, JK_MAX_LINE_BYTES);
    jk_input_kind kind = o->forced;
    if (kind == JK_INPUT_AUTO) {
        const char *data;
        size_t len;
        kind = jk_line_reader_peek(&reader, &data, &len) == 0 ? jk_input_sniff(data, len)
                                                             : JK_INPUT_TEXT;
    }
    jk_indicator_list list;
    jk_indicator_list_init(&list);
    jk_buf out;
    jk_buf_init(&out, 0);
    long found = 0;
    unsigned long lineno = 0;
    const char *line;
    size_t len;
    int got;
    while ((got = jk_line_reader_next(&reader, &line, &len)) != 0) {
        lineno++;
        if (got < 0) {
            jk_cli_error("%s:%lu: %s; skipped", path ? path : "(stdin)", lineno,
                         got == JK_ELIMIT ? "line too long" : "read error");
            if (got != JK_ELIMIT)
                break;
            continue;
        }
        const char *text = line;
        size_t text_len = len;
        json_t *obj = NULL, *id = NULL;
        if (kind == JK_INPUT_JSONL) {
            if (len == 0)
                continue;
            json_error_t jerr;
            obj = json_loadb(line, len, JSON_REJECT_DUPLICATES, &jerr);
            json_t *t = obj ? json_object_get(obj, "text") : NULL;
            if (!json_is_string(t)) {
                jk_cli_error("%s:%lu: %s; skipped", path ? path : "(stdin)", lineno,
                             obj ? "no \"text\" string" : jerr.text);
                json_decref(obj);
                continue;
            }
            text = json_string_value(t);
            text_len = json_string_length(t);
            id = json_object_get(obj, "id");
        }
        jk_indicator_list_release(&list);
        jk_error err;
        if (jk_indicators_extract(text, text_len, &list, &err) == JK_ELIMIT)
            jk_cli_error("%s:%lu: %s (the first ones are printed)", path ? path : "(stdin)",
                         lineno, err.message);
        if (list.count) {
            found++;
            print_item(o, path, lineno, id, &list, &out);
        }
        json_decref(obj);
    }
    jk_indicator_list_release(&list);
    jk_buf_release(&out);
    jk_line_reader_release(&reader);
    return found;
}

int cmd_extract(int argc, char **argv)
{
    static const struct option options[] = {
        {"format", required_argument, NULL, 'f'},
        {"defang", no_argument, NULL, 'D'},
        {"input", required_argument, NULL, 'i'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    extract_opts o = {isatty(STDOUT_FILENO), false, JK_INPUT_AUTO};
    optind = 1;
    int ch;
    while ((ch = getopt_long(argc, argv, "h", options, NULL)) != -1) {
        switch (ch) {
        case 'f':
            if (strcmp(optarg, "jsonl") == 0)
                o.text = false;
            else if (strcmp(optarg, "text") == 0)
                o.text = true;
            else {
                jk_cli_error("--format must be jsonl or text");
                return JK_EXIT_ERROR;
            }
            break;
        case 'D': o.defang = true; break;
        case 'i':
            if (strcmp(optarg, "text") == 0)
                o.forced = JK_INPUT_TEXT;
            else if (strcmp(optarg, "jsonl") == 0)
                o.forced = JK_INPUT_JSONL;
            else if (strcmp(optarg, "auto") == 0)
                o.forced = JK_INPUT_AUTO;
            else {
                jk_cli_error("--input must be text, jsonl or auto");
                return JK_EXIT_ERROR;
            }
            break;
        case 'h': fputs(extract_usage, stdout); return JK_EXIT_OK;
        default: fputs(extract_usage, stderr); return JK_EXIT_ERROR;
        }
    }
    long found = 0;
    int status = JK_EXIT_OK;
    if (optind == argc) {
        long n = extract_file(&o, NULL, stdin);
        found += n > 0 ? n : 0;
    }
    for (int i = optind; i < argc; i++) {
        FILE *fp = fopen(argv[i], "rb");
        if (!fp) {
            jk_cli_error("%s: %s", argv[i], strerror(errno));
            status = JK_EXIT_ERROR;
            continue;
        }
        found += extract_file(&o, argv[i], fp);
        fclose(fp);
    }
    fflush(stdout);
    if (status != JK_EXIT_OK)
        return status;
    return found ? JK_EXIT_HIT : JK_EXIT_NOHIT;
}
