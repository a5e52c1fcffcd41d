/*
 * audit._scanloop: the per-entry checks of audit.scan.scan, in C.
 *
 * Why: verifying a log re-hashes every entry and rebuilds the tree; done in
 * Python the interpreter's per-entry overhead (calls, bytes objects, a list
 * as the stack) costs more than the SHA-256 work itself.  This module does the
 * same checks, in the same order, with the same outcome as the pure-Python
 * loop in audit/scan.py (which stays, and is tested against this one), using
 * OpenSSL's SHA-256 (the library hashlib uses) and a fixed array as the right
 * edge of the tree.
 *
 * A Scanner holds the state of one run: the last index checked, the tree's
 * right edge (at most 64 subtree roots), the leaf hash of the last good entry
 * and the "prev" pattern the next entry must contain.  feed(rows, lo, hi)
 * checks rows[lo:hi]; it returns None when all hold, or (index, code) for the
 * first entry that fails, code being one of LEAF, INDEX, PREV, NODES.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <string.h>
#include <openssl/evp.h>

#define HASH 32
#define MAX_DEPTH 64

enum { OK = 0, LEAF = 1, INDEX = 2, PREV = 3, NODES = 4 };  /* audit/scan.py maps them to messages */

/* '"prev":"' (8) + 64 hex + '"' (1) */
#define PREV_PATTERN_LEN 73
static const char PREV_KEY[] = "\"prev\":\"";

typedef struct {
    PyObject_HEAD
    long long idx;      /* last index checked (start - 1 before the first) */
    long long base;     /* position 0 of the subtree being built */
    long long last;     /* last index of a bounded run, or -1 */
    long long prev_from_end;  /* where "prev" starts in a v1 entry, counted from the end */
    unsigned char stack[MAX_DEPTH][HASH];
    int depth;
    unsigned char digest[HASH];
    int have_digest;
    char prev_pattern[PREV_PATTERN_LEN + 1];
    Py_ssize_t prev_len;
    PyObject *upper_nodes;  /* None, or bytes */
    EVP_MD *md;
    EVP_MD_CTX *ctx;
} Scanner;

static const char HEX[] = "0123456789abcdef";

static void set_prev_from_digest(Scanner *s, const unsigned char *h)
{
    char *p = s->prev_pattern + 8;
    for (int i = 0; i < HASH; i++) {
        *p++ = HEX[h[i] >> 4];
        *p++ = HEX[h[i] & 15];
    }
    *p++ = '"';
    s->prev_len = PREV_PATTERN_LEN;
}

static int hash2(Scanner *s, unsigned char prefix, const void *a, size_t alen,
                 const void *b, size_t blen, unsigned char *out)
{
    if (!EVP_DigestInit_ex2(s->ctx, s->md, NULL)
        || !EVP_DigestUpdate(s->ctx, &prefix, 1)
        || !EVP_DigestUpdate(s->ctx, a, alen)
        || (blen && !EVP_DigestUpdate(s->ctx, b, blen))
        || !EVP_DigestFinal_ex(s->ctx, out, NULL)) {
        PyErr_SetString(PyExc_RuntimeError, "OpenSSL SHA-256 failed");
        return -1;
    }
    return 0;
}

/* Bytes of a bytes-like object: bytes fast, anything with the buffer protocol otherwise. */
typedef struct { const char *p; Py_ssize_t n; Py_buffer view; int has_view; } Bytes;

static int get_bytes(PyObject *o, Bytes *b, const char *what)
{
    b->has_view = 0;
    if (PyBytes_Check(o)) {
        b->p = PyBytes_AS_STRING(o);
        b->n = PyBytes_GET_SIZE(o);
        return 0;
    }
    if (PyObject_GetBuffer(o, &b->view, PyBUF_SIMPLE) < 0) {
        PyErr_Format(PyExc_TypeError, "%s must be bytes-like", what);
        return -1;
    }
    b->has_view = 1;
    b->p = b->view.buf;
    b->n = b->view.len;
    return 0;
}

static void release_bytes(Bytes *b)
{
    if (b->has_view)
        PyBuffer_Release(&b->view);
}

static int contains(const char *hay, Py_ssize_t n, const char *needle, Py_ssize_t m)
{
    return m <= n && memmem(hay, (size_t)n, needle, (size_t)m) != NULL;
}

static int Scanner_init(Scanner *s, PyObject *args, PyObject *kw)
{
    static char *names[] = {"idx", "prev", "base", "last", "stack", "prev_from_end", NULL};
    long long idx, base, last, prev_from_end;
    Py_buffer prev;
    PyObject *stack;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "Ly*LLOL", names, &idx, &prev, &base, &last, &stack,
                                     &prev_from_end))
        return -1;
    s->idx = idx;
    s->base = base;
    s->last = last;
    s->prev_from_end = prev_from_end;
    s->have_digest = 0;
    /* the first entry's "prev" is whatever the caller says (hex, GENESIS, or "-" for a missing row) */
    if (prev.len > PREV_PATTERN_LEN - 9) {
        PyBuffer_Release(&prev);
        PyErr_SetString(PyExc_ValueError, "prev is longer than a hex SHA-256");
        return -1;
    }
    memcpy(s->prev_pattern, PREV_KEY, 8);
    memcpy(s->prev_pattern + 8, prev.buf, (size_t)prev.len);
    s->prev_pattern[8 + prev.len] = '"';
    s->prev_len = 9 + prev.len;
    PyBuffer_Release(&prev);

    PyObject *seq = PySequence_Fast(stack, "stack must be a sequence of 32-byte hashes");
    if (!seq)
        return -1;
    Py_ssize_t n = PySequence_Fast_GET_SIZE(seq);
    if (n > MAX_DEPTH) {
        Py_DECREF(seq);
        PyErr_SetString(PyExc_ValueError, "stack is deeper than 64");
        return -1;
    }
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *h = PySequence_Fast_GET_ITEM(seq, i);
        if (!PyBytes_Check(h) || PyBytes_GET_SIZE(h) != HASH) {
            Py_DECREF(seq);
            PyErr_SetString(PyExc_ValueError, "stack must hold 32-byte hashes");
            return -1;
        }
        memcpy(s->stack[i], PyBytes_AS_STRING(h), HASH);
    }
    s->depth = (int)n;
    Py_DECREF(seq);

    Py_XSETREF(s->upper_nodes, Py_NewRef(Py_None));
    if (!s->md && !(s->md = EVP_MD_fetch(NULL, "SHA256", NULL))) {
        PyErr_SetString(PyExc_RuntimeError, "OpenSSL has no SHA-256");
        return -1;
    }
    if (!s->ctx && !(s->ctx = EVP_MD_CTX_new())) {
        PyErr_NoMemory();
        return -1;
    }
    return 0;
}

static void Scanner_dealloc(Scanner *s)
{
    Py_XDECREF(s->upper_nodes);
    if (s->ctx)
        EVP_MD_CTX_free(s->ctx);
    if (s->md)
        EVP_MD_free(s->md);
    Py_TYPE(s)->tp_free((PyObject *)s);
}

/* Write the decimal claim '"index":N,' into buf; returns its length. */
static Py_ssize_t index_claim(char *buf, long long idx)
{
    char digits[24];
    int n = 0;
    unsigned long long v = (unsigned long long)idx;
    do {
        digits[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    memcpy(buf, "\"index\":", 8);
    Py_ssize_t len = 8;
    while (n)
        buf[len++] = digits[--n];
    buf[len++] = ',';
    return len;
}

/* Check one entry (index s->idx + 1). Returns OK, an error code, or -1 with a Python error set. */
static int check_entry(Scanner *s, PyObject *row)
{
    if (!PyTuple_Check(row) || PyTuple_GET_SIZE(row) != 3) {
        PyErr_SetString(PyExc_TypeError, "a row is a (bytes, leaf hash, nodes) tuple");
        return -1;
    }
    PyObject *leaf_o = PyTuple_GET_ITEM(row, 1), *nodes_o = PyTuple_GET_ITEM(row, 2);
    Bytes data, nodes = {0};
    if (get_bytes(PyTuple_GET_ITEM(row, 0), &data, "entry") < 0)
        return -1;
    int code = OK;
    long long idx = ++s->idx;
    unsigned char h[HASH];
    if (hash2(s, 0x00, data.p, (size_t)data.n, NULL, 0, h) < 0)
        goto fail;
    if (leaf_o != Py_None) {
        Bytes leaf;
        if (get_bytes(leaf_o, &leaf, "leaf hash") < 0)
            goto fail;
        int same = leaf.n == HASH && memcmp(leaf.p, h, HASH) == 0;
        release_bytes(&leaf);
        if (!same) {
            code = LEAF;
            goto done;
        }
    }
    char claim[40];
    Py_ssize_t claim_len = index_claim(claim, idx);
    if (!contains(data.p, data.n, claim, claim_len)) {
        code = INDEX;
        goto done;
    }
    /* shortcut: in a v1 entry "prev" sits a fixed distance from the end */
    Py_ssize_t at = data.n - (Py_ssize_t)s->prev_from_end;
    if (!(at >= 0 && at + s->prev_len <= data.n && memcmp(data.p + at, s->prev_pattern, s->prev_len) == 0)
        && !contains(data.p, data.n, s->prev_pattern, s->prev_len)) {
        code = PREV;
        goto done;
    }
    int have_nodes = nodes_o != Py_None;
    if (have_nodes && get_bytes(nodes_o, &nodes, "nodes") < 0)
        goto fail;
    long long n = idx - s->base;
    if (n & 1) {
        unsigned char made[MAX_DEPTH][HASH];
        int count = 0;
        const unsigned char *node = h;
        while (n & 1) {
            if (s->depth == 0) {
                PyErr_SetString(PyExc_ValueError, "stack is shorter than the position needs");
                goto fail;
            }
            s->depth--;
            if (hash2(s, 0x01, s->stack[s->depth], HASH, node, HASH, made[count]) < 0)
                goto fail;
            node = made[count++];
            n >>= 1;
        }
        memcpy(s->stack[s->depth++], node, HASH);  /* at least one was popped: room for it */
        if (have_nodes) {
            Py_ssize_t made_len = (Py_ssize_t)count * HASH, cmp_len = nodes.n;
            if (idx == s->last) {
                Py_ssize_t from = made_len < nodes.n ? made_len : nodes.n;
                PyObject *upper = PyBytes_FromStringAndSize(nodes.p + from, nodes.n - from);
                if (!upper)
                    goto fail;
                Py_XSETREF(s->upper_nodes, upper);
                cmp_len = from;
            }
            if (cmp_len != made_len || memcmp(made, nodes.p, (size_t)made_len) != 0) {
                code = NODES;
                goto done;
            }
        }
    } else {
        if (s->depth == MAX_DEPTH) {
            PyErr_SetString(PyExc_ValueError, "tree deeper than 64");
            goto fail;
        }
        memcpy(s->stack[s->depth++], h, HASH);
        if (idx == s->last) {  /* a run of one entry: every stored node is above it */
            PyObject *upper = have_nodes ? PyBytes_FromStringAndSize(nodes.p, nodes.n) : PyBytes_FromString("");
            if (!upper)
                goto fail;
            Py_XSETREF(s->upper_nodes, upper);
        } else if (have_nodes && nodes.n) {  /* an even position completes no subtree */
            code = NODES;
            goto done;
        }
    }
    memcpy(s->digest, h, HASH);
    s->have_digest = 1;
    set_prev_from_digest(s, h);
done:
    release_bytes(&data);
    release_bytes(&nodes);
    return code;
fail:
    release_bytes(&data);
    release_bytes(&nodes);
    return -1;
}

static PyObject *Scanner_feed(Scanner *s, PyObject *args)
{
    PyObject *rows;
    Py_ssize_t lo, hi;
    if (!PyArg_ParseTuple(args, "Onn", &rows, &lo, &hi))
        return NULL;
    if (!s->ctx) {
        PyErr_SetString(PyExc_RuntimeError, "Scanner was not initialised");
        return NULL;
    }
    if (!PyList_Check(rows)) {
        PyErr_SetString(PyExc_TypeError, "rows must be a list");
        return NULL;
    }
    if (lo < 0 || hi > PyList_GET_SIZE(rows) || lo > hi) {
        PyErr_SetString(PyExc_IndexError, "rows[lo:hi] out of range");
        return NULL;
    }
    for (Py_ssize_t i = lo; i < hi; i++) {
        int code = check_entry(s, PyList_GET_ITEM(rows, i));
        if (code < 0)
            return NULL;
        if (code != OK)
            return Py_BuildValue("(Li)", s->idx, code);
    }
    Py_RETURN_NONE;
}

static PyObject *Scanner_get_stack(Scanner *s, void *closure)
{
    (void)closure;
    PyObject *out = PyList_New(s->depth);
    if (!out)
        return NULL;
    for (int i = 0; i < s->depth; i++) {
        PyObject *h = PyBytes_FromStringAndSize((const char *)s->stack[i], HASH);
        if (!h) {
            Py_DECREF(out);
            return NULL;
        }
        PyList_SET_ITEM(out, i, h);
    }
    return out;
}

static PyObject *Scanner_get_idx(Scanner *s, void *closure)
{
    (void)closure;
    return PyLong_FromLongLong(s->idx);
}

static PyObject *Scanner_get_last_leaf(Scanner *s, void *closure)
{
    (void)closure;
    return PyBytes_FromStringAndSize((const char *)s->digest, s->have_digest ? HASH : 0);
}

static PyObject *Scanner_get_upper_nodes(Scanner *s, void *closure)
{
    (void)closure;
    return Py_NewRef(s->upper_nodes ? s->upper_nodes : Py_None);
}

static PyMethodDef Scanner_methods[] = {
    {"feed", (PyCFunction)Scanner_feed, METH_VARARGS,
     "feed(rows, lo, hi): check rows[lo:hi]; None, or (index, code) of the first failing entry."},
    {NULL, NULL, 0, NULL}
};

static PyGetSetDef Scanner_getset[] = {
    {"idx", (getter)Scanner_get_idx, NULL, "last index checked", NULL},
    {"stack", (getter)Scanner_get_stack, NULL, "right edge of the tree, largest subtree first", NULL},
    {"last_leaf", (getter)Scanner_get_last_leaf, NULL, "leaf hash of the last good entry (b'' if none)", NULL},
    {"upper_nodes", (getter)Scanner_get_upper_nodes, NULL,
     "stored nodes of the run's last entry above the run's own levels (None until met)", NULL},
    {NULL, NULL, NULL, NULL, NULL}
};

static PyTypeObject ScannerType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "audit._scanloop.Scanner",
    .tp_basicsize = sizeof(Scanner),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "Scanner(idx, prev, base, last, stack, prev_from_end): state of one verification run.",
    .tp_new = PyType_GenericNew,
    .tp_init = (initproc)Scanner_init,
    .tp_dealloc = (destructor)Scanner_dealloc,
    .tp_methods = Scanner_methods,
    .tp_getset = Scanner_getset,
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "audit._scanloop",
    "The per-entry checks of audit.scan in C (same verdicts as the Python loop).", -1, NULL, NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC PyInit__scanloop(void)
{
    if (PyType_Ready(&ScannerType) < 0)
        return NULL;
    PyObject *m = PyModule_Create(&module);
    if (!m)
        return NULL;
    if (PyModule_AddObjectRef(m, "Scanner", (PyObject *)&ScannerType) < 0) {
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
