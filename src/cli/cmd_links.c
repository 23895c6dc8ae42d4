/*
 * cmd_links.c — `junkai links ITEM`: an item's indicators and what each
 * does (links, or why not), the items sharing one with it, and the rest
 * of its campaign with the indicators that bring each in.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "alloc.h"
#include "buf.h"
#include "campaign.h"
#include "cli.h"

static const char links_usage[] =
    "usage: junkai links [--data DIR] [--max-share N] [--format text|jsonl] ITEM\n"
    "\n"
    "Show ITEM (a stored item's number, or PLATFORM:ID) with its indicators and\n"
    "whether each links it to other items, then every item of its campaign (the\n"
    "items connected to it through shared indicators), each with the indicators\n"
    "that link it: for items sharing one with ITEM directly, the shared ones.\n"
    "docs/campaigns.md says what links and what is ignored.\n"
    "\n"
    "  --max-share N    an indicator held by more than N items is too common to\n"
    "                   link them (default 500)\n"
    "  --format jsonl   the item as {\"item\",…,\"indicators\":[{\"type\",\"value\",\n"
    "                   \"spans\",\"status\",\"items\"?,\"key\"?}],\"campaign\"}, then one\n"
    "                   {\"linked\",…,\"direct\",\"via\":[{\"type\",\"value\"}]} per item\n"
    "                   (default when standard output is not a terminal)\n"
    "\n"
    "Exit status: 0 when ITEM is linked to other items, 1 when not, 2 on error.\n";

/* The item as read from the store, copied (rows live for a callback). */
typedef struct item_copy {
    int64_t id;
    char *platform, *external_id, *url, *author, *posted_at, *fetched_at, *text;
    size_t text_len;
    uint32_t categories;
} item_copy;

static char *dup_or_null(const char *s)
{
    return s ? jk_strdup(s) : NULL;
}

static int copy_item(void *ctx, const jk_item_row *row)
{
    item_copy *c = ctx;
    c->id = row->id;
    c->platform = dup_or_null(row->platform);
    c->external_id = dup_or_null(row->external_id);
    c->url = dup_or_null(row->url);
    c->author = dup_or_null(row->author);
    c->posted_at = dup_or_null(row->posted_at);
    c->fetched_at = dup_or_null(row->fetched_at);
    c->text = row->text ? jk_strndup(row->text, row->text_len) : NULL;
    c->text_len = row->text ? row->text_len : 0;
    c->categories = row->categories;
    return 0;
}

static void item_release(item_copy *c)
{
    free(c->platform);
    free(c->external_id);
    free(c->url);
    free(c->author);
    free(c->posted_at);
    free(c->fetched_at);
    free(c->text);
    memset(c, 0, sizeof *c);
}

/* One (type, value) of the item with every span it was found at. */
typedef struct shown_indicator {
    char *type, *value;
    size_t *spans; /* start, end pairs */
    size_t span_count, span_cap;
} shown_indicator;

typedef struct indicator_list {
    shown_indicator *items;
    size_t count, cap;
} indicator_list;

static int add_row(void *ctx, const jk_indicator_row *row)
{
    indicator_list *l = ctx;
    shown_indicator *s = NULL;
    for (size_t i = 0; i < l->count && !s; i++)
        if (strcmp(l->items[i].type, row->type) == 0 && strcmp(l->items[i].value, row->value) == 0)
            s = &l->items[i];
    if (!s) {
        jk_grow((void **)&l->items, &l->cap, l->count + 1, sizeof *l->items);
        s = &l->items[l->count++];
        memset(s, 0, sizeof *s);
        s->type = jk_strdup(row->type);
        s->value = jk_strdup(row->value);
    }
    jk_grow((void **)&s->spans, &s->span_cap, 2 * s->span_count + 2, sizeof *s->spans);
    s->spans[2 * s->span_count] = row->span_start;
    s->spans[2 * s->span_count + 1] = row->span_end;
    s->span_count++;
    return 0;
}

static void indicators_release(indicator_list *l)
{
    for (size_t i = 0; i < l->count; i++) {
        free(l->items[i].type);
        free(l->items[i].value);
        free(l->items[i].spans);
    }
    free(l->items);
}

static void json_field(jk_buf *b, const char *key, const char *value)
{
    if (!value)
        return;
    jk_buf_printf(b, ",\"%s\":\"", key);
    jk_buf_json_string(b, value, strlen(value));
    jk_buf_putc(b, '"');
}

static void json_categories(jk_buf *b, uint32_t bits)
{
    jk_buf_puts(b, ",\"categories\":[");
    bool first = true;
    for (int c = 0; c < JK_CATEGORY_COUNT; c++)
        if (bits & (1u << c)) {
            jk_buf_printf(b, "%s\"%s\"", first ? "" : ",", jk_category_id((jk_category)c));
            first = false;
        }
    jk_buf_putc(b, ']');
}

static void json_item_fields(jk_buf *b, const item_copy *it)
{
    json_field(b, "platform", it->platform);
    json_field(b, "id", it->external_id);
    json_field(b, "url", it->url);
    json_field(b, "author", it->author);
    json_field(b, "posted_at", it->posted_at);
    json_field(b, "fetched_at", it->fetched_at);
    json_categories(b, it->categories);
    if (it->text) {
        jk_buf_puts(b, ",\"text\":\"");
        jk_buf_json_string(b, it->text, it->text_len);
        jk_buf_putc(b, '"');
    }
}

static void json_keys(jk_buf *b, const jk_link_indicator *const *keys, size_t count)
{
    jk_buf_puts(b, ",\"via\":[");
    for (size_t i = 0; i < count; i++) {
        jk_buf_printf(b, "%s{\"type\":\"%s\",\"value\":\"", i ? "," : "",
                      jk_indicator_type_name(keys[i]->type));
        jk_buf_json_string(b, keys[i]->value, strlen(keys[i]->value));
        jk_buf_puts(b, "\"}");
    }
    jk_buf_putc(b, ']');
}

/* The first line of a post's text, cut at about 100 bytes on a character
 * boundary, for the text format. */
static void snippet(jk_buf *b, const char *text, size_t len)
{
    size_t n = 0;
    for (size_t i = 0; i < len && n < 100; i++, n++) {
        unsigned char ch = (unsigned char)text[i];
        if (ch == '\n' || ch == '\r' || ch == '\t') {
            jk_buf_putc(b, ' ');
            continue;
        }
        if (ch < 0x20 || ch == 0x7f)
            continue;
        size_t clen = ch < 0x80 ? 1 : ch >= 0xf0 ? 4 : ch >= 0xe0 ? 3 : 2;
        if (i + clen > len)
            break;
        jk_buf_append(b, text + i, clen);
        i += clen - 1;
    }
    if (n >= 100 && len > 0)
        jk_buf_puts(b, "…");
}

static const char *seen(const item_copy *it)
{
    return it->posted_at && *it->posted_at ? it->posted_at : it->fetched_at ? it->fetched_at : "";
}

static void text_item_line(jk_buf *b, const char *lead, const item_copy *it)
{
    jk_buf_printf(b, "%s%lld  %s:%s  %s", lead, (long long)it->id, it->platform ? it->platform : "",
                  it->external_id ? it->external_id : "", seen(it));
    for (int c = 0; c < JK_CATEGORY_COUNT; c++)
        if (it->categories & (1u << c))
            jk_buf_printf(b, "  [%s]", jk_category_id((jk_category)c));
    jk_buf_putc(b, '\n');
}

/* Keys of `mine` also held by the other item (both lists share pointers). */
static size_t shared_keys(const jk_link_indicator *const *mine, size_t n,
                          const jk_link_indicator *const *theirs, size_t m,
                          const jk_link_indicator **out)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < m; j++)
            if (mine[i] == theirs[j]) {
                out[k++] = mine[i];
                break;
            }
    return k;
}

static bool parse_item_name(const char *arg, int64_t *id, char **platform, char **external)
{
    *id = 0;
    *platform = *external = NULL;
    unsigned long n;
    if (jk_parse_uint(arg, (unsigned long)INT64_MAX, &n) && n > 0) {
        *id = (int64_t)n;
        return true;
    }
    const char *colon = strchr(arg, ':');
    if (!colon || colon == arg || !colon[1])
        return false;
    *platform = jk_strndup(arg, (size_t)(colon - arg));
    *external = jk_strdup(colon + 1);
    return true;
}

int cmd_links(int argc, char **argv)
{
    static const struct option options[] = {
        {"data", required_argument, NULL, 'd'},
        {"max-share", required_argument, NULL, 'm'},
        {"format", required_argument, NULL, 'f'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *data = NULL;
    bool jsonl = !isatty(STDOUT_FILENO);
    jk_link_options lopt = {0};
    unsigned long n;
    optind = 1;
    int ch;
    while ((ch = getopt_long(argc, argv, "h", options, NULL)) != -1) {
        switch (ch) {
        case 'd': data = optarg; break;
        case 'm':
            if (!jk_parse_uint(optarg, 100000000, &n) || n < 2) {
                jk_cli_error("--max-share must be a number from 2 to 100000000");
                return JK_EXIT_ERROR;
            }
            lopt.max_share = n;
            break;
        case 'f':
            if (strcmp(optarg, "jsonl") == 0 || strcmp(optarg, "text") == 0)
                jsonl = optarg[0] == 'j';
            else {
                jk_cli_error("--format must be text or jsonl");
                return JK_EXIT_ERROR;
            }
            break;
        case 'h': fputs(links_usage, stdout); return JK_EXIT_OK;
        default: fputs(links_usage, stderr); return JK_EXIT_ERROR;
        }
    }
    if (optind + 1 != argc) {
        jk_cli_error("links needs one ITEM (a number or PLATFORM:ID)");
        return JK_EXIT_ERROR;
    }
    int64_t want;
    char *platform, *external;
    if (!parse_item_name(argv[optind], &want, &platform, &external)) {
        jk_cli_error("'%s' names no item: give its number or PLATFORM:ID", argv[optind]);
        return JK_EXIT_ERROR;
    }
    jk_store *store;
    if (jk_open_data_store(jk_data_dir(data), &store)) {
        free(platform);
        free(external);
        return JK_EXIT_ERROR;
    }
    int status = JK_EXIT_ERROR;
    jk_error err;
    item_copy item = {0}, other = {0};
    indicator_list inds = {0};
    jk_linkage *lk = NULL;
    jk_buf out;
    jk_buf_init(&out, 0);
    const jk_link_indicator **via = NULL;
    if (jk_store_item_get(store, want, platform, external, true, copy_item, &item, &err) ||
        jk_store_item_indicators(store, item.id, add_row, &inds, &err) ||
        jk_linkage_build(store, &lopt, &lk, &err)) {
        jk_cli_error("%s", err.message);
        goto done;
    }

    jk_campaign camp;
    bool linked = jk_linkage_campaign_of(lk, item.id, &camp) == JK_OK;
    const jk_link_indicator *const *mine;
    size_t mine_count = jk_linkage_item_keys(lk, item.id, &mine);

    /* the item and what each of its indicators does */
    if (jsonl) {
        jk_buf_printf(&out, "{\"item\":%lld", (long long)item.id);
        json_item_fields(&out, &item);
        jk_buf_puts(&out, ",\"indicators\":[");
    } else {
        text_item_line(&out, "item ", &item);
        if (item.url)
            jk_buf_printf(&out, "  %s\n", item.url);
        if (item.text) {
            jk_buf_puts(&out, "  ");
            snippet(&out, item.text, item.text_len);
            jk_buf_putc(&out, '\n');
        }
        jk_buf_puts(&out, inds.count ? "indicators:\n" : "no indicators\n");
    }
    for (size_t i = 0; i < inds.count; i++) {
        const shown_indicator *s = &inds.items[i];
        const jk_link_indicator *key;
        jk_link_status st = jk_linkage_status(lk, item.url, s->type, s->value, &key);
        bool other_key = key && strcmp(key->value, s->value) != 0;
        if (jsonl) {
            jk_buf_printf(&out, "%s{\"type\":\"", i ? "," : "");
            jk_buf_json_string(&out, s->type, strlen(s->type));
            jk_buf_puts(&out, "\",\"value\":\"");
            jk_buf_json_string(&out, s->value, strlen(s->value));
            jk_buf_puts(&out, "\",\"spans\":[");
            for (size_t k = 0; k < s->span_count; k++)
                jk_buf_printf(&out, "%s[%zu,%zu]", k ? "," : "", s->spans[2 * k],
                              s->spans[2 * k + 1]);
            jk_buf_printf(&out, "],\"status\":\"%s\"", jk_link_status_name(st));
            if (key)
                jk_buf_printf(&out, ",\"items\":%zu", key->items);
            if (other_key) {
                jk_buf_puts(&out, ",\"key\":\"");
                jk_buf_json_string(&out, key->value, strlen(key->value));
                jk_buf_putc(&out, '"');
            }
            jk_buf_putc(&out, '}');
        } else {
            jk_buf_printf(&out, "  %s %s", s->type, s->value);
            if (st == JK_LINK_YES)
                jk_buf_printf(&out, "  links %zu items", key->items);
            else if (st == JK_LINK_COMMON)
                jk_buf_printf(&out, "  not linked: common (%zu items > %zu)", key->items,
                              jk_linkage_max_share(lk));
            else
                jk_buf_printf(&out, "  not linked: %s", jk_link_status_name(st));
            if (other_key)
                jk_buf_printf(&out, " (as %s)", key->value);
            jk_buf_putc(&out, '\n');
        }
    }
    if (jsonl) {
        if (linked)
            jk_buf_printf(&out, "],\"campaign\":%lld,\"campaign_size\":%zu}\n",
                          (long long)camp.id, camp.size);
        else
            jk_buf_puts(&out, "],\"campaign\":null,\"campaign_size\":1}\n");
    } else if (linked) {
        jk_buf_printf(&out, "campaign %lld: %zu items\n", (long long)camp.id, camp.size);
    } else {
        jk_buf_puts(&out, "not linked to any other item\n");
    }
    fwrite(out.data, 1, out.len, stdout);

    /* every other item of the campaign */
    via = jk_calloc(mine_count ? mine_count : 1, sizeof *via);
    for (size_t i = 0; linked && i < camp.size; i++) {
        if (camp.items[i] == item.id)
            continue;
        item_release(&other);
        if (jk_store_item_get(store, camp.items[i], NULL, NULL, true, copy_item, &other, &err)) {
            jk_cli_error("%s", err.message);
            goto done;
        }
        const jk_link_indicator *const *theirs;
        size_t their_count = jk_linkage_item_keys(lk, other.id, &theirs);
        size_t shared = shared_keys(mine, mine_count, theirs, their_count, via);
        const jk_link_indicator *const *shown = shared ? via : theirs;
        size_t shown_count = shared ? shared : their_count;
        jk_buf_reset(&out);
        if (jsonl) {
            jk_buf_printf(&out, "{\"linked\":%lld", (long long)other.id);
            json_item_fields(&out, &other);
            jk_buf_printf(&out, ",\"direct\":%s", shared ? "true" : "false");
            json_keys(&out, shown, shown_count);
            jk_buf_puts(&out, "}\n");
        } else {
            text_item_line(&out, shared ? "  direct " : "         ", &other);
            jk_buf_puts(&out, "           via");
            for (size_t k = 0; k < shown_count; k++)
                jk_buf_printf(&out, "%s %s %s", k ? "," : "",
                              jk_indicator_type_name(shown[k]->type), shown[k]->value);
            jk_buf_puts(&out, "\n           ");
            if (other.text)
                snippet(&out, other.text, other.text_len);
            jk_buf_putc(&out, '\n');
        }
        fwrite(out.data, 1, out.len, stdout);
    }
    if (fflush(stdout) != 0) {
        jk_cli_error("writing the output: %s", strerror(errno));
        goto done;
    }
    status = linked ? JK_EXIT_OK : JK_EXIT_NOHIT;
done:
    free(via);
    jk_buf_release(&out);
    jk_linkage_free(lk);
    indicators_release(&inds);
    item_release(&item);
    item_release(&other);
    jk_store_close(store);
    free(platform);
    free(external);
    return status;
}
