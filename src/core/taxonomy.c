/*
 * taxonomy.c — the category table of DESIGN.md. Adding a category is one row
 * here and one enum value in junkai/taxonomy.h, in the same position.
 */
#include "junkai/taxonomy.h"

#include <string.h>

#include "junkai/error.h"

static const struct {
    const char *id;
    const char *label;
    const char *group;
} categories[JK_CATEGORY_COUNT] = {
    [JK_CAT_CHILD_PORN] = {"child_porn", "児童ポルノ公然陳列・提供", "illegal"},
    [JK_CAT_CHILD_SOLICITATION] = {"child_solicitation", "児童買春・出会い系禁止誘引（援助交際等）", "illegal"},
    [JK_CAT_PROSTITUTION] = {"prostitution", "売春の周旋・勧誘", "illegal"},
    [JK_CAT_OBSCENE] = {"obscene", "わいせつ物公然陳列", "illegal"},
    [JK_CAT_DRUG_AD] = {"drug_ad", "規制薬物・指定薬物の広告・販売", "illegal"},
    [JK_CAT_BANK_ACCOUNT_TRADE] = {"bank_account_trade", "預貯金通帳・口座の譲渡誘引", "illegal"},
    [JK_CAT_PHONE_LENDING] = {"phone_lending", "携帯電話・SIMの匿名譲渡・貸与", "illegal"},
    [JK_CAT_CREDENTIAL_SALE] = {"credential_sale", "ID・パスワード等（識別符号）の提供", "illegal"},
    [JK_CAT_CRIME_RECRUITMENT] = {"crime_recruitment", "犯罪実行者募集（闇バイト）", "serious-crime"},
    [JK_CAT_VIOLENT_CRIME] = {"violent_crime", "殺人・強盗・誘拐等の請負・勧誘", "serious-crime"},
    [JK_CAT_WEAPONS_EXPLOSIVES] = {"weapons_explosives", "銃砲・爆発物の製造・譲渡", "serious-crime"},
    [JK_CAT_TRAFFICKING] = {"trafficking", "人身売買・臓器売買", "serious-crime"},
    [JK_CAT_SUICIDE_INDUCEMENT] = {"suicide_inducement", "自殺誘引（集団自殺の呼びかけ・請負）", "suicide"},
    [JK_CAT_SELF_HARM_RISK] = {"self_harm_risk", "自殺念慮・危機（通報ではなく支援につなぐ）", "support"},
    [JK_CAT_THREAT] = {"threat", "犯行予告（殺害予告・爆破予告）", "patrol"},
    [JK_CAT_PHISHING] = {"phishing", "フィッシング・偽サイト", "patrol"},
    [JK_CAT_FRAUD] = {"fraud", "詐欺（投資・ロマンス・還付金等）", "patrol"},
};

const char *jk_category_id(jk_category c)
{
    return (unsigned)c < JK_CATEGORY_COUNT ? categories[c].id : "unknown";
}

const char *jk_category_label(jk_category c)
{
    return (unsigned)c < JK_CATEGORY_COUNT ? categories[c].label : "unknown";
}

const char *jk_category_group(jk_category c)
{
    return (unsigned)c < JK_CATEGORY_COUNT ? categories[c].group : "unknown";
}

int jk_category_from_id(const char *id, size_t len, jk_category *out)
{
    for (int c = 0; c < JK_CATEGORY_COUNT; c++) {
        if (strlen(categories[c].id) == len && memcmp(categories[c].id, id, len) == 0) {
            *out = (jk_category)c;
            return JK_OK;
        }
    }
    return JK_ENOTFOUND;
}
