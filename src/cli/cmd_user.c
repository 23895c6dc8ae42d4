/*
 * cmd_user.c — `junkai user`: the workbench's accounts. add (with a role),
 * passwd, disable, list. A new password is read from standard input when
 * it is not a terminal (one line), else asked for twice without echo.
 * Every change is written to the audit log as done by "cli:<login>".
 */
#include <getopt.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "auth.h"
#include "buf.h"
#include "audit_cli.h"
#include "cli.h"
#include "router.h"

static const char user_usage[] =
    "usage: junkai user add NAME --role patroller|supervisor|admin [--data DIR]\n"
    "       junkai user passwd NAME [--data DIR]\n"
    "       junkai user disable NAME [--data DIR]\n"
    "       junkai user list [--data DIR] [--format text|json]\n"
    "\n"
    "Accounts of the review workbench ('junkai serve'). The password is read\n"
    "from standard input (one line) when it is not a terminal, else asked for\n"
    "twice without echo. Passwords need at least 8 characters; they are\n"
    "stored as argon2id hashes. Disabling an account ends its sessions.\n";

/* One line from fd; the newline (and a CR before it) is dropped. */
static bool read_line(FILE *in, char *out, size_t size)
{
    if (!fgets(out, (int)size, in))
        return false;
    size_t n = strlen(out);
    if (n == size - 1 && out[n - 1] != '\n')
        return false; /* longer than any password we take */
    while (n && (out[n - 1] == '\n' || out[n - 1] == '\r'))
        out[--n] = '\0';
    return true;
}

static bool prompt_hidden(FILE *tty, const char *prompt, char *out, size_t size)
{
    struct termios old, quiet;
    int fd = fileno(tty);
    fputs(prompt, tty);
    fflush(tty);
    bool echo_off = tcgetattr(fd, &old) == 0;
    if (echo_off) {
        quiet = old;
        quiet.c_lflag &= ~(tcflag_t)ECHO;
        tcsetattr(fd, TCSAFLUSH, &quiet);
    }
    bool ok = read_line(tty, out, size);
    if (echo_off)
        tcsetattr(fd, TCSAFLUSH, &old);
    fputc('\n', tty);
    return ok;
}

/* The new password into out; false (message printed) when none was given. */
static bool read_password(const char *name, char *out, size_t size)
{
    if (!isatty(STDIN_FILENO)) {
        if (!read_line(stdin, out, size)) {
            jk_cli_error("no password on standard input (one line, at most %d bytes)",
                         JK_PASSWORD_MAX);
            return false;
        }
        return true;
    }
    FILE *tty = fopen("/dev/tty", "r+");
    if (!tty) {
        jk_cli_error("cannot open the terminal to ask for a password");
        return false;
    }
    char again[JK_PASSWORD_MAX + 2], prompt[128];
    snprintf(prompt, sizeof prompt, "New password for %s: ", name);
    bool ok = prompt_hidden(tty, prompt, out, size) &&
              prompt_hidden(tty, "Again: ", again, sizeof again);
    fclose(tty);
    if (ok && strcmp(out, again) != 0) {
        jk_cli_error("the passwords differ");
        ok = false;
    } else if (!ok) {
        jk_cli_error("no password given");
    }
    memset(again, 0, sizeof again);
    return ok;
}

static void who(char *out, size_t size)
{
    jk_cli_audit_user(out, size);
}

/* Run one account change and its audit entry in one batch. */
static int audited(jk_store *st, int rc, const char *action, const char *name,
                   const char *detail, jk_error *err)
{
    if (rc)
        return rc;
    char user[128], target[128];
    who(user, sizeof user);
    snprintf(target, sizeof target, "user:%s", name);
    return jk_store_audit_append(st, user, action, target, detail, err);
}

static int print_user(void *p, const jk_user *u)
{
    jk_buf *out = p;
    if (out) {
        jk_buf_puts(out, out->len > 1 ? ",{\"name\":\"" : "{\"name\":\"");
        jk_buf_json_string(out, u->name, strlen(u->name));
        jk_buf_printf(out, "\",\"role\":\"%s\",\"disabled\":%s,\"created_at\":\"%s\"}", u->role,
                      u->disabled ? "true" : "false", u->created_at ? u->created_at : "");
    } else {
        printf("%-24s %-10s %s%s\n", u->name, u->role, u->created_at ? u->created_at : "",
               u->disabled ? "  (disabled)" : "");
    }
    return 0;
}

int cmd_user(int argc, char **argv)
{
    static const struct option options[] = {
        {"data", required_argument, NULL, 'd'},
        {"role", required_argument, NULL, 'r'},
        {"format", required_argument, NULL, 'f'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        fputs(user_usage, argc < 2 ? stderr : stdout);
        return argc < 2 ? JK_EXIT_ERROR : JK_EXIT_OK;
    }
    const char *action = argv[1];
    const char *data = NULL, *role = NULL, *format = "text";
    optind = 1;
    int ch;
    while ((ch = getopt_long(argc - 1, argv + 1, "h", options, NULL)) != -1) {
        if (ch == 'd') {
            data = optarg;
        } else if (ch == 'r') {
            role = optarg;
        } else if (ch == 'f') {
            format = optarg;
        } else if (ch == 'h') {
            fputs(user_usage, stdout);
            return JK_EXIT_OK;
        } else {
            fputs(user_usage, stderr);
            return JK_EXIT_ERROR;
        }
    }
    int rest = argc - 1 - optind;
    const char *name = rest >= 1 ? argv[1 + optind] : NULL;
    bool is_list = strcmp(action, "list") == 0;
    if (!is_list && strcmp(action, "add") != 0 && strcmp(action, "passwd") != 0 &&
        strcmp(action, "disable") != 0) {
        jk_cli_error("'%s' is not a user command (add, passwd, disable, list)", action);
        return JK_EXIT_ERROR;
    }
    if (is_list ? rest != 0 : rest != 1) {
        fputs(user_usage, stderr);
        return JK_EXIT_ERROR;
    }
    jk_role parsed;
    if (strcmp(action, "add") == 0 && (!role || !jk_role_parse(role, &parsed))) {
        jk_cli_error("user add needs --role patroller, supervisor or admin");
        return JK_EXIT_ERROR;
    }
    if (is_list && strcmp(format, "text") != 0 && strcmp(format, "json") != 0) {
        jk_cli_error("--format must be text or json");
        return JK_EXIT_ERROR;
    }
    jk_store *st;
    if (jk_open_data_store(jk_data_dir(data), &st))
        return JK_EXIT_ERROR;
    int status = JK_EXIT_OK, rc = JK_OK;
    jk_error err;
    char password[JK_PASSWORD_MAX + 2], hash[JK_PASSWORD_HASH_MAX];
    if (is_list) {
        jk_buf out;
        jk_buf_init(&out, 0);
        bool json = strcmp(format, "json") == 0;
        if (json)
            jk_buf_putc(&out, '[');
        rc = jk_store_user_list(st, print_user, json ? &out : NULL, &err);
        if (json && !rc) {
            jk_buf_puts(&out, "]\n");
            fwrite(out.data, 1, out.len, stdout);
        }
        jk_buf_release(&out);
    } else if (strcmp(action, "disable") == 0) {
        rc = jk_store_begin(st, &err);
        rc = audited(st, rc ? rc : jk_store_user_disable(st, name, &err), "user.disable", name,
                     "", &err);
        if (!rc)
            rc = jk_store_commit(st, &err);
        if (!rc)
            printf("disabled %s (its sessions ended)\n", name);
    } else {
        if (!read_password(name, password, sizeof password)) {
            status = JK_EXIT_ERROR;
            goto done;
        }
        rc = jk_password_hash(password, strlen(password), hash, &err);
        memset(password, 0, sizeof password);
        if (!rc)
            rc = jk_store_begin(st, &err);
        if (!rc && strcmp(action, "add") == 0) {
            char detail[64];
            snprintf(detail, sizeof detail, "{\"role\":\"%s\"}", role);
            rc = audited(st, jk_store_user_add(st, name, role, hash, NULL, &err), "user.add",
                         name, detail, &err);
        } else if (!rc) {
            rc = audited(st, jk_store_user_set_password(st, name, hash, &err), "user.passwd",
                         name, "", &err);
        }
        if (!rc)
            rc = jk_store_commit(st, &err);
        if (!rc)
            printf(strcmp(action, "add") == 0 ? "added %s\n" : "changed the password of %s\n",
                   name);
    }
    if (rc) {
        jk_store_rollback(st);
        jk_cli_error("%s", err.message);
        status = JK_EXIT_ERROR;
    }
    if (!rc && !is_list)
        jk_cli_audit_head(st, jk_data_dir(data));
done:
    jk_store_close(st);
    return status;
}
