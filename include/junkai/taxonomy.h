/*
 * taxonomy.h — the fixed category list of DESIGN.md ("Categories").
 *
 * Ids are stable strings used in rule packs, output and the store. The
 * enum order is the table order; JK_CATEGORY_COUNT bounds arrays indexed by
 * category. The `support` group is never reported to the police.
 */
#ifndef JUNKAI_TAXONOMY_H
#define JUNKAI_TAXONOMY_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum jk_category {
    JK_CAT_CHILD_PORN,
    JK_CAT_CHILD_SOLICITATION,
    JK_CAT_PROSTITUTION,
    JK_CAT_OBSCENE,
    JK_CAT_DRUG_AD,
    JK_CAT_BANK_ACCOUNT_TRADE,
    JK_CAT_PHONE_LENDING,
    JK_CAT_CREDENTIAL_SALE,
    JK_CAT_CRIME_RECRUITMENT,
    JK_CAT_VIOLENT_CRIME,
    JK_CAT_WEAPONS_EXPLOSIVES,
    JK_CAT_TRAFFICKING,
    JK_CAT_SUICIDE_INDUCEMENT,
    JK_CAT_SELF_HARM_RISK,
    JK_CAT_THREAT,
    JK_CAT_PHISHING,
    JK_CAT_FRAUD,
    JK_CATEGORY_COUNT
} jk_category;

/* Stable id ("drug_ad"), Japanese label and group ("illegal",
 * "serious-crime", "suicide", "support", "patrol") of a category. */
const char *jk_category_id(jk_category c);
const char *jk_category_label(jk_category c);
const char *jk_category_group(jk_category c);

/* Look up a category by id (exact, case-sensitive). Returns 0 and sets *out,
 * or JK_ENOTFOUND. */
int jk_category_from_id(const char *id, size_t len, jk_category *out);

#ifdef __cplusplus
}
#endif
#endif
