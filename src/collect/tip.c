/*
 * tip.c — a citizen's tip stored as an item (see tip.h).
 * Must not touch: transactions (the caller's batch) or printing.
 */
#include "tip.h"

#include <string.h>

int jk_tip_check(const jk_tip *tip, jk_error *err)
{
    const char *url = tip->url;
    if (!url || (strncmp(url, "http://", 7) != 0 && strncmp(url, "https://", 8) != 0) ||
        !url[strncmp(url, "https://", 8) == 0 ? 8 : 7])
        return jk_error_set(err, JK_EINVAL, "\"%.200s\" is not an http(s) URL", url ? url : "");
    const char *fields[] = {tip->url, tip->note, tip->contact};
    const char *names[] = {"url", "note", "contact"};
    for (size_t i = 0; i < 3; i++)
        if (fields[i] && strlen(fields[i]) > JK_TIP_FIELD_MAX)
            return jk_error_set(err, JK_EINVAL, "the tip's %s is longer than %d bytes", names[i],
                                JK_TIP_FIELD_MAX);
    return JK_OK;
}

int jk_tip_store(jk_store *store, jk_ingest *in, const jk_tip *tip, jk_tip_result *out,
                 jk_error *err)
{
    memset(out, 0, sizeof *out);
    int rc = jk_tip_check(tip, err);
    if (rc)
        return rc;
    const char *note = tip->note ? tip->note : "";
    jk_buf text, id;
    jk_buf_init(&text, 0);
    jk_buf_init(&id, 0);
    /* the note is what a person wrote about the page: that is what is
     * scanned; the URL goes with it so indicators can be found later */
    if (jk_buf_printf(&text, "%s %s", note, tip->url) ||
        jk_buf_printf(&id, "%s#%s", tip->url, note)) {
        rc = jk_error_set(err, JK_ENOMEM, "out of memory storing a tip for %.200s", tip->url);
        goto done;
    }
    jk_item_in item;
    memset(&item, 0, sizeof item);
    item.platform = "tip";
    item.external_id = id.data;
    item.url = tip->url;
    item.author = tip->contact;
    item.text = text.data;
    item.text_len = text.len;
    if (in) {
        long fresh = in->fresh, hits = in->hits;
        rc = jk_ingest_post(in, &item, err);
        if (rc)
            goto done;
        out->item_id = in->last_item_id;
        out->fresh = in->fresh > fresh;
        out->hits = in->hits > hits;
        out->scanned = true;
    } else {
        rc = jk_store_add_item(store, &item, &out->item_id, &out->fresh, err);
    }
done:
    jk_buf_release(&text);
    jk_buf_release(&id);
    return rc;
}
