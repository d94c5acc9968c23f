/*
 * Unit tests for the object model core: types, classes, interfaces,
 * instances, casts, reference counting, the composition tree, and the
 * device base type.  Property parsing is in test-property.c.
 */
#include <qaccel/device.h>
#include <qaccel/error.h>

/* Every class_init / instance_init / finalize appends a token here. */
static GString *trace;

static void trace_add(const char *token)
{
    if (trace->len) {
        g_string_append_c(trace, ' ');
    }
    g_string_append(trace, token);
}

static void trace_reset(void)
{
    g_string_truncate(trace, 0);
}

/* ---- test types ------------------------------------------------------- */

#define TYPE_ANIMAL "test-animal"
#define TYPE_DOG "test-dog"
#define TYPE_PUPPY "test-puppy"
#define TYPE_CAT "test-cat"
#define TYPE_FISH "test-fish"
#define TYPE_NAMER "test-namer"
#define TYPE_DEV "test-dev"

typedef struct TestAnimal {
    QaObject parent_obj;
    int legs;
} TestAnimal;

typedef struct TestAnimalClass {
    QaObjectClass parent_class;
    const char *(*sound)(TestAnimal *a);
    int kingdom; /* set by the base class_init only */
} TestAnimalClass;

typedef struct TestDog {
    TestAnimal parent_obj;
    int tricks;
} TestDog;

typedef struct TestDogClass {
    TestAnimalClass parent_class;
    int max_tricks;
} TestDogClass;

typedef struct TestNamerClass {
    QaInterfaceClass parent_class;
    const char *(*name)(QaObject *obj);
} TestNamerClass;

#define ANIMAL_GET_CLASS(o) QA_CLASS_OF(TestAnimalClass, (o), TYPE_ANIMAL)
#define NAMER_GET_CLASS(o) QA_CLASS_OF(TestNamerClass, (o), TYPE_NAMER)

static const char *animal_sound(TestAnimal *a)
{
    return "...";
}

static void animal_class_init(QaObjectClass *klass, const void *data)
{
    TestAnimalClass *ac = (TestAnimalClass *)klass;

    trace_add("animal-class");
    ac->sound = animal_sound;
    ac->kingdom = 7;
}

static void animal_init(QaObject *obj)
{
    trace_add("animal-init");
    ((TestAnimal *)obj)->legs = 4;
}

static void animal_finalize(QaObject *obj)
{
    trace_add("animal-fin");
}

static const TestAnimalClass *dog_seen_parent;

static const char *dog_sound(TestAnimal *a)
{
    return "woof";
}

static const char *dog_name(QaObject *obj)
{
    return "dog";
}

static void dog_class_init(QaObjectClass *klass, const void *data)
{
    TestAnimalClass *ac = (TestAnimalClass *)klass;
    TestNamerClass *nc = (TestNamerClass *)qa_class_cast(klass, TYPE_NAMER);

    trace_add("dog-class");
    /* The parent's class_init already ran and was copied in. */
    g_assert_true(ac->sound == animal_sound);
    g_assert_cmpint(ac->kingdom, ==, 7);
    g_assert_cmpint(GPOINTER_TO_INT(data), ==, 42);
    ac->sound = dog_sound;
    ((TestDogClass *)klass)->max_tricks = 3;
    g_assert_nonnull(nc);
    nc->name = dog_name;
    dog_seen_parent = ac;
}

static void dog_init(QaObject *obj)
{
    trace_add("dog-init");
    /* Ancestors first: the animal part is ready. */
    g_assert_cmpint(((TestAnimal *)obj)->legs, ==, 4);
    ((TestDog *)obj)->tricks = 1;
}

static void dog_finalize(QaObject *obj)
{
    trace_add("dog-fin");
}

static const char *puppy_name(QaObject *obj)
{
    return "puppy";
}

static void puppy_class_init(QaObjectClass *klass, const void *data)
{
    TestNamerClass *nc = (TestNamerClass *)qa_class_cast(klass, TYPE_NAMER);

    trace_add("puppy-class");
    /* The inherited interface copy carries the dog's implementation. */
    g_assert_true(nc->name == dog_name);
    nc->name = puppy_name;
}

static void puppy_init(QaObject *obj)
{
    trace_add("puppy-init");
}

static void puppy_finalize(QaObject *obj)
{
    trace_add("puppy-fin");
}

static const char *namer_default(QaObject *obj)
{
    return "nameless";
}

static void namer_class_init(QaObjectClass *klass, const void *data)
{
    ((TestNamerClass *)klass)->name = namer_default;
}

static const char *const namer_ifaces[] = {TYPE_NAMER, NULL};

static const QaTypeInfo namer_info = {
    .name = TYPE_NAMER,
    .parent = QA_TYPE_INTERFACE,
    .class_size = sizeof(TestNamerClass),
    .class_init = namer_class_init,
};

static const QaTypeInfo animal_info = {
    .name = TYPE_ANIMAL,
    .parent = QA_TYPE_OBJECT,
    .description = "An abstract animal",
    .instance_size = sizeof(TestAnimal),
    .class_size = sizeof(TestAnimalClass),
    .abstract = true,
    .class_init = animal_class_init,
    .instance_init = animal_init,
    .instance_finalize = animal_finalize,
};

static const QaTypeInfo dog_info = {
    .name = TYPE_DOG,
    .parent = TYPE_ANIMAL,
    .instance_size = sizeof(TestDog),
    .class_size = sizeof(TestDogClass),
    .interfaces = namer_ifaces,
    .class_init = dog_class_init,
    .class_data = GINT_TO_POINTER(42),
    .instance_init = dog_init,
    .instance_finalize = dog_finalize,
};

static const QaTypeInfo puppy_info = {
    .name = TYPE_PUPPY,
    .parent = TYPE_DOG,
    .class_init = puppy_class_init,
    .instance_init = puppy_init,
    .instance_finalize = puppy_finalize,
};

static const QaTypeInfo cat_info = {
    .name = TYPE_CAT,
    .parent = TYPE_ANIMAL,
};

/* Implements the interface but keeps its default method. */
static const QaTypeInfo fish_info = {
    .name = TYPE_FISH,
    .parent = TYPE_ANIMAL,
    .interfaces = namer_ifaces,
};

/* A device whose hooks record what happened to it. */
typedef struct TestDev {
    QaDevice parent_obj;
    bool fail;
    int unrealized;
} TestDev;

static bool testdev_realize(QaDevice *dev, GError **error)
{
    if (((TestDev *)dev)->fail) {
        g_set_error(error, QA_ERROR, QA_ERROR_INVALID, "boom");
        return false;
    }
    return true;
}

static void testdev_unrealize(QaDevice *dev)
{
    g_autofree char *token = g_strdup_printf("unrealize-%s", dev->id);

    ((TestDev *)dev)->unrealized++;
    trace_add(token);
}

static void testdev_reset(QaDevice *dev)
{
    trace_add(dev->id);
}

static void testdev_class_init(QaObjectClass *klass, const void *data)
{
    QaDeviceClass *dc = (QaDeviceClass *)klass;

    dc->realize = testdev_realize;
    dc->unrealize = testdev_unrealize;
    dc->reset = testdev_reset;
}

static const QaTypeInfo testdev_info = {
    .name = TYPE_DEV,
    .parent = QA_TYPE_DEVICE,
    .instance_size = sizeof(TestDev),
    .class_init = testdev_class_init,
};

static void register_types(void)
{
    static const QaTypeInfo *const infos[] = {
        &namer_info,          &animal_info,  &dog_info,
        &puppy_info,          &cat_info,     &fish_info,
        &qa_device_type_info, &testdev_info,
    };

    for (size_t i = 0; i < G_N_ELEMENTS(infos); i++) {
        g_autoptr(GError) err = NULL;
        g_assert_nonnull(qa_type_register(infos[i], &err));
        g_assert_no_error(err);
    }
}

/* ---- types and classes ------------------------------------------------ */

static void test_type_registry(void)
{
    const QaType *dog = qa_type_lookup(TYPE_DOG);
    g_autoptr(GError) err = NULL;
    GSList *list;
    static const char *const unknown_ifaces[] = {"no-such-iface", NULL};
    static const char *const cat_ifaces[] = {TYPE_CAT, NULL};
    static const QaTypeInfo orphan = {.name = "test-orphan",
                                      .parent = "no-such-parent"};
    static const QaTypeInfo bad_iface_parent = {
        .name = "test-bad-iface",
        .parent = QA_TYPE_OBJECT,
        .interfaces = unknown_ifaces,
    };
    static const QaTypeInfo not_iface = {
        .name = "test-not-iface",
        .parent = QA_TYPE_OBJECT,
        .interfaces = cat_ifaces,
    };
    static const QaTypeInfo shrunk = {
        .name = "test-shrunk",
        .parent = TYPE_DOG,
        .instance_size = sizeof(QaObject),
    };

    g_assert_nonnull(dog);
    g_assert_cmpstr(qa_type_name(dog), ==, TYPE_DOG);
    g_assert_true(qa_type_parent(dog) == qa_type_lookup(TYPE_ANIMAL));
    g_assert_null(qa_type_parent(qa_type_lookup(QA_TYPE_OBJECT)));
    g_assert_cmpstr(qa_type_description(qa_type_lookup(TYPE_ANIMAL)), ==,
                    "An abstract animal");
    g_assert_true(qa_type_is_abstract(qa_type_lookup(TYPE_ANIMAL)));
    g_assert_true(qa_type_is_abstract(qa_type_lookup(TYPE_NAMER)));
    g_assert_false(qa_type_is_abstract(dog));
    g_assert_null(qa_type_lookup("no-such-type"));

    g_assert_true(qa_type_is_a(dog, TYPE_DOG));
    g_assert_true(qa_type_is_a(dog, TYPE_ANIMAL));
    g_assert_true(qa_type_is_a(dog, QA_TYPE_OBJECT));
    g_assert_true(qa_type_is_a(dog, TYPE_NAMER));
    g_assert_true(qa_type_is_a(qa_type_lookup(TYPE_PUPPY), TYPE_NAMER));
    g_assert_false(qa_type_is_a(qa_type_lookup(TYPE_CAT), TYPE_NAMER));
    g_assert_false(qa_type_is_a(dog, TYPE_CAT));
    g_assert_false(qa_type_is_a(dog, QA_TYPE_INTERFACE));
    g_assert_true(qa_type_is_a(qa_type_lookup(TYPE_NAMER), QA_TYPE_INTERFACE));

    g_assert_null(qa_type_register(&dog_info, &err));
    g_assert_error(err, QA_ERROR, QA_ERROR_EXISTS);
    g_assert_cmpstr(err->message, ==, "Type 'test-dog' is already registered");
    g_clear_error(&err);
    g_assert_null(qa_type_register(&orphan, &err));
    g_assert_error(err, QA_ERROR, QA_ERROR_NOT_FOUND);
    g_assert_cmpstr(err->message, ==,
                    "Type 'test-orphan': unknown parent type "
                    "'no-such-parent'");
    g_clear_error(&err);
    g_assert_null(qa_type_register(&bad_iface_parent, &err));
    g_assert_error(err, QA_ERROR, QA_ERROR_NOT_FOUND);
    g_clear_error(&err);
    g_assert_null(qa_type_register(&not_iface, &err));
    g_assert_error(err, QA_ERROR, QA_ERROR_INVALID);
    g_assert_cmpstr(err->message, ==,
                    "Type 'test-not-iface': 'test-cat' is not an interface");
    g_clear_error(&err);
    g_assert_null(qa_type_register(&shrunk, &err));
    g_assert_error(err, QA_ERROR, QA_ERROR_INVALID);
    g_assert_null(qa_type_lookup("test-shrunk"));

    /* Concrete animals, sorted by name; abstract ones on request. */
    list = qa_type_list(TYPE_ANIMAL, false);
    g_assert_cmpuint(g_slist_length(list), ==, 4);
    g_assert_cmpstr(qa_type_name(list->data), ==, TYPE_CAT);
    g_assert_cmpstr(qa_type_name(g_slist_last(list)->data), ==, TYPE_PUPPY);
    g_slist_free(list);
    list = qa_type_list(TYPE_ANIMAL, true);
    g_assert_cmpuint(g_slist_length(list), ==, 5);
    g_assert_cmpstr(qa_type_name(list->data), ==, TYPE_ANIMAL);
    g_slist_free(list);
    list = qa_type_list(TYPE_NAMER, false);
    g_assert_cmpuint(g_slist_length(list), ==, 3); /* dog, fish, puppy */
    g_slist_free(list);
}

static void test_class_init_order(void)
{
    TestAnimalClass *puppy, *cat;

    trace_reset();
    puppy = (TestAnimalClass *)qa_type_get_class(qa_type_lookup(TYPE_PUPPY));
    g_assert_cmpstr(trace->str, ==, "animal-class dog-class puppy-class");
    /* Classes are built once. */
    g_assert_true(qa_type_get_class(qa_type_lookup(TYPE_PUPPY)) ==
                  (QaObjectClass *)puppy);
    g_assert_cmpstr(trace->str, ==, "animal-class dog-class puppy-class");

    g_assert_true(puppy->sound == dog_sound);
    g_assert_cmpint(puppy->kingdom, ==, 7);
    g_assert_cmpint(((TestDogClass *)puppy)->max_tricks, ==, 3);
    g_assert_true(qa_class_cast((QaObjectClass *)puppy, TYPE_ANIMAL) ==
                  (QaObjectClass *)puppy);
    g_assert_null(qa_class_cast((QaObjectClass *)puppy, TYPE_CAT));
    g_assert_true(dog_seen_parent == (TestAnimalClass *)qa_type_get_class(
                                         qa_type_lookup(TYPE_DOG)));

    cat = (TestAnimalClass *)qa_type_get_class(qa_type_lookup(TYPE_CAT));
    g_assert_true(cat->sound == animal_sound);
    g_assert_true(((QaObjectClass *)cat)->type == qa_type_lookup(TYPE_CAT));
}

static QaObject *new_obj(const char *type)
{
    g_autoptr(GError) err = NULL;
    QaObject *obj = qa_object_new(type, &err);

    g_assert_no_error(err);
    g_assert_nonnull(obj);
    return obj;
}

static void test_interface_dispatch(void)
{
    g_autoptr(QaObject) dog = new_obj(TYPE_DOG);
    g_autoptr(QaObject) puppy = new_obj(TYPE_PUPPY);
    g_autoptr(QaObject) fish = new_obj(TYPE_FISH);
    g_autoptr(QaObject) cat = new_obj(TYPE_CAT);
    TestNamerClass *dog_nc = NAMER_GET_CLASS(dog);
    TestNamerClass *puppy_nc = NAMER_GET_CLASS(puppy);

    g_assert_cmpstr(dog_nc->name(dog), ==, "dog");
    g_assert_cmpstr(puppy_nc->name(puppy), ==, "puppy");
    g_assert_cmpstr(NAMER_GET_CLASS(fish)->name(fish), ==, "nameless");
    g_assert_null(NAMER_GET_CLASS(cat));

    /* Each implementing class has its own copy of the interface class. */
    g_assert_true(dog_nc != puppy_nc);
    g_assert_true(dog_nc->parent_class.concrete == qa_type_lookup(TYPE_DOG));
    g_assert_true(puppy_nc->parent_class.concrete ==
                  qa_type_lookup(TYPE_PUPPY));
    g_assert_true(dog_nc->parent_class.parent_class.type ==
                  qa_type_lookup(TYPE_NAMER));
    /* The interface's own class keeps its default. */
    g_assert_true(
        ((TestNamerClass *)qa_type_get_class(qa_type_lookup(TYPE_NAMER)))
            ->name == namer_default);

    /* Virtual methods of the class hierarchy. */
    g_assert_cmpstr(ANIMAL_GET_CLASS(dog)->sound((TestAnimal *)dog), ==,
                    "woof");
    g_assert_cmpstr(ANIMAL_GET_CLASS(cat)->sound((TestAnimal *)cat), ==, "...");
    g_assert_true(qa_object_is_a(puppy, TYPE_NAMER));
    g_assert_false(qa_object_is_a(cat, TYPE_NAMER));
    g_assert_false(qa_object_is_a(NULL, TYPE_NAMER));
}

static void test_new_errors(void)
{
    g_autoptr(GError) err = NULL;

    g_assert_null(qa_object_new("foo", &err));
    g_assert_error(err, QA_ERROR, QA_ERROR_NOT_FOUND);
    g_assert_cmpstr(err->message, ==, "Unknown type 'foo'");
    g_clear_error(&err);

    g_assert_null(qa_object_new(TYPE_ANIMAL, &err));
    g_assert_error(err, QA_ERROR, QA_ERROR_INVALID);
    g_assert_cmpstr(err->message, ==,
                    "Type 'test-animal' is abstract and cannot be "
                    "instantiated");
    g_clear_error(&err);

    g_assert_null(qa_object_new(QA_TYPE_DEVICE, &err));
    g_assert_error(err, QA_ERROR, QA_ERROR_INVALID);
    g_clear_error(&err);

    g_assert_null(qa_object_new(TYPE_NAMER, &err));
    g_assert_error(err, QA_ERROR, QA_ERROR_INVALID);
    g_assert_cmpstr(err->message, ==,
                    "Type 'test-namer' is an interface and cannot be "
                    "instantiated");
    g_clear_error(&err);

    g_assert_null(qa_object_new(QA_TYPE_INTERFACE, &err));
    g_assert_error(err, QA_ERROR, QA_ERROR_INVALID);
}

static void test_bad_cast(void)
{
    if (g_test_subprocess()) {
        g_autoptr(QaObject) cat = new_obj(TYPE_CAT);
        TestDog *dog = QA_CAST(TestDog, cat, TYPE_DOG);
        g_print("survived cast to %p\n", (void *)dog);
        return;
    }
    g_test_trap_subprocess(NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
    g_test_trap_assert_failed();
    g_test_trap_assert_stdout_unmatched("*survived*");
    g_test_trap_assert_stderr("*test-object.c:*invalid cast of an object of "
                              "type 'test-cat' to 'test-dog'*");
}

static void test_dynamic_cast(void)
{
    g_autoptr(QaObject) puppy = new_obj(TYPE_PUPPY);
    g_autoptr(QaObject) cat = new_obj(TYPE_CAT);

    g_assert_true(qa_object_dynamic_cast(puppy, TYPE_DOG) == puppy);
    g_assert_true(qa_object_dynamic_cast(puppy, TYPE_ANIMAL) == puppy);
    g_assert_true(qa_object_dynamic_cast(puppy, TYPE_NAMER) == puppy);
    g_assert_null(qa_object_dynamic_cast(puppy, TYPE_CAT));
    g_assert_null(qa_object_dynamic_cast(cat, TYPE_DOG));
    g_assert_null(qa_object_dynamic_cast(NULL, TYPE_DOG));
    g_assert_null(qa_object_dynamic_cast(cat, "no-such-type"));
    /* Checked casts that hold, and of NULL, return their argument. */
    g_assert_true(QA_CAST(TestDog, puppy, TYPE_DOG) == (TestDog *)puppy);
    g_assert_null(QA_CAST(TestDog, NULL, TYPE_DOG));
    g_assert_cmpstr(qa_object_type_name(puppy), ==, TYPE_PUPPY);
    g_assert_true(qa_object_type(puppy) == qa_type_lookup(TYPE_PUPPY));
    g_assert_true(qa_object_get_class(puppy) ==
                  qa_type_get_class(qa_type_lookup(TYPE_PUPPY)));
}

static void test_refcount_finalize(void)
{
    QaObject *puppy;
    QaObject *box;

    qa_type_get_class(qa_type_lookup(TYPE_PUPPY));
    trace_reset();
    puppy = new_obj(TYPE_PUPPY);
    g_assert_cmpstr(trace->str, ==, "animal-init dog-init puppy-init");
    g_assert_cmpint(((TestDog *)puppy)->tricks, ==, 1);

    trace_reset();
    g_assert_true(qa_object_ref(puppy) == puppy);
    qa_object_unref(puppy);
    g_assert_cmpstr(trace->str, ==, "");
    qa_object_unref(puppy);
    g_assert_cmpstr(trace->str, ==, "puppy-fin dog-fin animal-fin");
    qa_object_unref(NULL);

    /* A child lives as long as its parent holds it. */
    box = new_obj("container");
    puppy = new_obj(TYPE_PUPPY);
    g_assert_true(qa_object_add_child(box, "pup", puppy, NULL));
    qa_object_unref(puppy);
    trace_reset();
    g_assert_true(qa_object_child(box, "pup") == puppy);
    qa_object_unparent(puppy);
    g_assert_cmpstr(trace->str, ==, "puppy-fin dog-fin animal-fin");
    g_assert_null(qa_object_child(box, "pup"));

    /*
     * Finalizing a parent unparents its children, newest first; one we
     * still hold survives, detached.
     */
    g_assert_true(qa_object_add_child(box, "a", new_obj(TYPE_CAT), NULL));
    g_assert_true(qa_object_add_child(box, "b", new_obj(TYPE_DOG), NULL));
    g_assert_true(
        qa_object_add_child(box, "c", puppy = new_obj(TYPE_PUPPY), NULL));
    /* Drop the references new_obj() gave us; the box holds its own. */
    qa_object_unref(qa_object_child(box, "a"));
    qa_object_unref(qa_object_child(box, "b"));
    trace_reset();
    qa_object_unref(box);
    g_assert_cmpstr(trace->str, ==, "dog-fin animal-fin animal-fin");
    g_assert_null(qa_object_get_parent(puppy));
    g_assert_null(qa_object_get_name(puppy));
    trace_reset();
    qa_object_unref(puppy);
    g_assert_cmpstr(trace->str, ==, "puppy-fin dog-fin animal-fin");
}

/* ---- composition tree -------------------------------------------------- */

static bool collect_name(QaObject *child, void *opaque)
{
    g_string_append_printf(opaque, "%s,", qa_object_get_name(child));
    return strcmp(qa_object_get_name(child), "stop") != 0;
}

static void test_tree_paths(void)
{
    QaObject *root = qa_object_root();
    g_autoptr(QaObject) machine = new_obj("container");
    g_autoptr(QaObject) periph = new_obj("container");
    g_autoptr(QaObject) dog = new_obj(TYPE_DOG);
    g_autoptr(QaObject) loose = new_obj("container");
    g_autoptr(GString) names = g_string_new(NULL);
    g_autofree char *p_root = NULL;
    g_autofree char *p_dog = NULL;
    g_autofree char *p_loose = NULL;

    g_assert_true(qa_object_root() == root);
    g_assert_cmpstr(qa_object_type_name(root), ==, "container");
    p_root = qa_object_canonical_path(root);
    g_assert_cmpstr(p_root, ==, "/");

    g_assert_true(qa_object_add_child(root, "tp-machine", machine, NULL));
    g_assert_true(qa_object_add_child(machine, "peripheral", periph, NULL));
    g_assert_true(qa_object_add_child(periph, "dog0", dog, NULL));
    p_dog = qa_object_canonical_path(dog);
    g_assert_cmpstr(p_dog, ==, "/tp-machine/peripheral/dog0");
    g_assert_true(qa_object_get_parent(dog) == periph);
    g_assert_cmpstr(qa_object_get_name(dog), ==, "dog0");
    g_assert_true(qa_object_child(machine, "peripheral") == periph);
    g_assert_null(qa_object_child(machine, "dog0"));

    /* Not attached to the root: no canonical path. */
    g_assert_true(qa_object_add_child(loose, "x", new_obj(TYPE_CAT), NULL));
    qa_object_unref(qa_object_child(loose, "x"));
    p_loose = qa_object_canonical_path(qa_object_child(loose, "x"));
    g_assert_null(p_loose);

    g_assert_true(qa_object_resolve_path("/", NULL) == root);
    g_assert_true(qa_object_resolve_path("/tp-machine/peripheral/dog0", NULL) ==
                  dog);
    g_assert_true(qa_object_resolve_path("/tp-machine/peripheral/", NULL) ==
                  periph);

    /* Partial paths: a unique suffix resolves; "peripheral" appears twice
     * once a second branch has one. */
    bool amb = true;
    g_assert_true(qa_object_resolve_partial("dog0", &amb) == dog);
    g_assert_false(amb);
    g_assert_true(qa_object_resolve_partial("peripheral/dog0", NULL) == dog);
    g_assert_true(qa_object_resolve_partial("/tp-machine/peripheral", NULL) ==
                  periph);
    g_assert_null(qa_object_resolve_partial("og0", &amb)); /* whole names */
    g_assert_false(amb);
    g_assert_null(qa_object_resolve_partial("", &amb));
    {
        QaObject *p2 = new_obj("container");
        g_assert_true(qa_object_add_child(dog, "peripheral", p2, NULL));
        qa_object_unref(p2);
        g_assert_null(qa_object_resolve_partial("peripheral", &amb));
        g_assert_true(amb);
        qa_object_unparent(p2);
    }

    /* Insertion order, and early stop. */
    for (const char *n = "abc"; *n; n++) {
        char name[2] = {*n, 0};
        QaObject *c = new_obj("container");
        g_assert_true(qa_object_add_child(machine, name, c, NULL));
        qa_object_unref(c);
    }
    g_assert_true(qa_object_foreach_child(machine, collect_name, names));
    g_assert_cmpstr(names->str, ==, "peripheral,a,b,c,");
    {
        QaObject *c = new_obj("container");
        g_assert_true(qa_object_add_child(machine, "stop", c, NULL));
        qa_object_unref(c);
    }
    g_assert_true(
        qa_object_add_child(machine, "z", new_obj("container"), NULL));
    qa_object_unref(qa_object_child(machine, "z"));
    g_string_truncate(names, 0);
    g_assert_false(qa_object_foreach_child(machine, collect_name, names));
    g_assert_cmpstr(names->str, ==, "peripheral,a,b,c,stop,");

    qa_object_unparent(machine);
    g_assert_null(qa_object_child(root, "tp-machine"));
    g_assert_null(qa_object_canonical_path(dog));
    /* Our references keep the detached subtree alive and intact. */
    g_assert_true(qa_object_get_parent(dog) == periph);
}

static void test_tree_errors(void)
{
    QaObject *root = qa_object_root();
    g_autoptr(QaObject) machine = new_obj("container");
    g_autoptr(QaObject) dog = new_obj(TYPE_DOG);
    g_autoptr(QaObject) cat = new_obj(TYPE_CAT);
    g_autoptr(QaObject) loose = new_obj("container");
    g_autoptr(QaObject) other = new_obj(TYPE_CAT);
    g_autoptr(GError) err = NULL;

    g_assert_true(qa_object_add_child(root, "machine", machine, NULL));
    g_assert_true(qa_object_add_child(machine, "x", dog, NULL));

    g_assert_false(qa_object_add_child(machine, "x", cat, &err));
    g_assert_error(err, QA_ERROR, QA_ERROR_EXISTS);
    g_assert_cmpstr(err->message, ==, "Duplicate child 'x' under '/machine'");
    g_clear_error(&err);
    g_assert_null(qa_object_get_parent(cat));

    g_assert_true(qa_object_add_child(loose, "x", cat, NULL));
    g_assert_false(qa_object_add_child(loose, "x", other, &err));
    g_assert_error(err, QA_ERROR, QA_ERROR_EXISTS);
    g_assert_cmpstr(err->message, ==,
                    "Duplicate child 'x' under an unattached 'container'");
    g_clear_error(&err);

    g_assert_false(qa_object_add_child(machine, "a/b", cat, &err));
    g_assert_error(err, QA_ERROR, QA_ERROR_INVALID);
    g_assert_cmpstr(err->message, ==,
                    "Invalid child name 'a/b': it must be non-empty and "
                    "contain no '/'");
    g_clear_error(&err);
    g_assert_false(qa_object_add_child(machine, "", cat, &err));
    g_assert_error(err, QA_ERROR, QA_ERROR_INVALID);
    g_clear_error(&err);

    g_assert_false(qa_object_add_child(root, "y", dog, &err));
    g_assert_error(err, QA_ERROR, QA_ERROR_INVALID);
    g_assert_cmpstr(err->message, ==,
                    "Cannot add child 'y': the object is already child 'x' "
                    "of '/machine'");
    g_clear_error(&err);

    /* No cycles: loose/x is cat, so loose cannot go under cat. */
    g_assert_false(qa_object_add_child(cat, "loop", loose, &err));
    g_assert_error(err, QA_ERROR, QA_ERROR_INVALID);
    g_assert_cmpstr(err->message, ==,
                    "Cannot add child 'loop': an object cannot be its own "
                    "descendant");
    g_clear_error(&err);
    g_assert_false(qa_object_add_child(other, "self", other, &err));
    g_assert_error(err, QA_ERROR, QA_ERROR_INVALID);
    g_clear_error(&err);

    qa_object_unparent(cat);
    g_assert_true(qa_object_add_child(dog, "kid", cat, NULL));

    g_assert_null(qa_object_resolve_path("/machine/y", &err));
    g_assert_error(err, QA_ERROR, QA_ERROR_NOT_FOUND);
    g_assert_cmpstr(err->message, ==,
                    "No object at '/machine/y': '/machine' has no child 'y'");
    g_clear_error(&err);
    g_assert_null(qa_object_resolve_path("/nowhere/x", &err));
    g_assert_error(err, QA_ERROR, QA_ERROR_NOT_FOUND);
    g_assert_cmpstr(err->message, ==,
                    "No object at '/nowhere/x': '/' has no child 'nowhere'");
    g_clear_error(&err);
    g_assert_null(qa_object_resolve_path("machine/x", &err));
    g_assert_error(err, QA_ERROR, QA_ERROR_INVALID);
    g_assert_cmpstr(err->message, ==,
                    "Path 'machine/x' is not absolute (it must start with "
                    "'/')");
    g_clear_error(&err);
    g_assert_null(qa_object_resolve_path("", &err));
    g_assert_error(err, QA_ERROR, QA_ERROR_INVALID);
    g_clear_error(&err);
    g_assert_true(qa_object_resolve_path("/machine/x/kid", NULL) == cat);

    qa_object_unparent(machine);
}

/* ---- devices ------------------------------------------------------------ */

static TestDev *new_dev(const char *id)
{
    TestDev *dev = (TestDev *)new_obj(TYPE_DEV);

    dev->parent_obj.id = g_strdup(id);
    return dev;
}

static void test_device_realize(void)
{
    TestDev *dev = new_dev("d0");
    QaDevice *qdev = QA_DEVICE(dev);
    g_autoptr(GError) err = NULL;
    g_autofree char *r0 = NULL, *r1 = NULL;

    g_assert_true(qa_object_is_a(QA_OBJECT(dev), QA_TYPE_DEVICE));
    g_assert_false(qdev->realized);
    r0 = qa_object_get_str(QA_OBJECT(dev), "realized", NULL);
    g_assert_cmpstr(r0, ==, "false");

    g_assert_true(qa_device_realize(qdev, &err));
    g_assert_no_error(err);
    g_assert_true(qdev->realized);
    g_assert_true(qa_object_get_bool(QA_OBJECT(dev), "realized"));
    r1 = qa_object_get_str(QA_OBJECT(dev), "realized", NULL);
    g_assert_cmpstr(r1, ==, "true");
    /* Realizing again is a no-op. */
    g_assert_true(qa_device_realize(qdev, NULL));

    /* "realized" is computed and read-only. */
    g_assert_false(
        qa_object_set_str(QA_OBJECT(dev), "realized", "false", &err));
    g_assert_error(err, QA_ERROR, QA_ERROR_INVALID);
    g_assert_cmpstr(err->message, ==,
                    "Property 'realized' of type 'test-dev' is read-only");
    g_clear_error(&err);

    trace_reset();
    qa_device_unrealize(qdev);
    qa_device_unrealize(qdev);
    g_assert_cmpstr(trace->str, ==, "unrealize-d0");
    g_assert_false(qdev->realized);
    g_assert_cmpint(dev->unrealized, ==, 1);

    /* Removing a realized device from the tree unrealizes it. */
    g_assert_true(qa_device_realize(qdev, NULL));
    g_assert_true(
        qa_object_add_child(qa_object_root(), "rdev", QA_OBJECT(dev), NULL));
    qa_object_ref(QA_OBJECT(dev));
    qa_object_unparent(QA_OBJECT(dev));
    g_assert_false(qdev->realized);
    g_assert_cmpint(dev->unrealized, ==, 2);
    qa_object_unref(QA_OBJECT(dev));
    qa_object_unref(QA_OBJECT(dev));
}

static void test_device_realize_failure(void)
{
    TestDev *dev = new_dev("p0");
    TestDev *anon = new_dev(NULL);
    g_autoptr(GError) err = NULL;

    dev->fail = true;
    g_assert_false(qa_device_realize(QA_DEVICE(dev), &err));
    g_assert_error(err, QA_ERROR, QA_ERROR_INVALID);
    g_assert_cmpstr(err->message, ==, "test-dev (id p0): boom");
    g_assert_false(dev->parent_obj.realized);
    g_assert_false(qa_object_get_bool(QA_OBJECT(dev), "realized"));
    g_clear_error(&err);
    /* NULL error is fine too. */
    g_assert_false(qa_device_realize(QA_DEVICE(dev), NULL));

    anon->fail = true;
    g_assert_false(qa_device_realize(QA_DEVICE(anon), &err));
    g_assert_cmpstr(err->message, ==, "test-dev: boom");

    /* Unrealize of a device that never realized does nothing. */
    qa_device_unrealize(QA_DEVICE(dev));
    g_assert_cmpint(dev->unrealized, ==, 0);
    qa_object_unref(QA_OBJECT(dev));
    qa_object_unref(QA_OBJECT(anon));
}

static void add_dev(QaObject *parent, TestDev *dev, bool realize)
{
    g_assert_true(
        qa_object_add_child(parent, dev->parent_obj.id, QA_OBJECT(dev), NULL));
    qa_object_unref(QA_OBJECT(dev));
    if (realize) {
        g_assert_true(qa_device_realize(QA_DEVICE(dev), NULL));
    }
}

static void test_device_reset_tree(void)
{
    g_autoptr(QaObject) top = new_obj("container");
    TestDev *a = new_dev("a");
    TestDev *b = new_dev("b");
    TestDev *c = new_dev("c");
    TestDev *d = new_dev("d");
    QaObject *box = new_obj("container");

    /* top/{a/{b, c(unrealized)}, box/d} */
    add_dev(top, a, true);
    add_dev(QA_OBJECT(a), b, true);
    add_dev(QA_OBJECT(a), c, false);
    g_assert_true(qa_object_add_child(top, "box", box, NULL));
    qa_object_unref(box);
    add_dev(box, d, true);

    trace_reset();
    qa_device_reset_tree(top);
    g_assert_cmpstr(trace->str, ==, "b a d");

    trace_reset();
    qa_device_reset_tree(QA_OBJECT(a));
    g_assert_cmpstr(trace->str, ==, "b a");

    /* Direct reset calls the hook regardless. */
    trace_reset();
    qa_device_reset(QA_DEVICE(c));
    g_assert_cmpstr(trace->str, ==, "c");

    /*
     * Dropping the tree unrealizes the realized devices: newest subtree
     * first, and within a subtree children before their parent.
     */
    trace_reset();
    g_clear_pointer(&top, qa_object_unref);
    g_assert_cmpstr(trace->str, ==, "unrealize-d unrealize-b unrealize-a");
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    trace = g_string_new(NULL);
    register_types();

    /* Class order first: it needs classes not built yet. */
    g_test_add_func("/object/class-init-order", test_class_init_order);
    g_test_add_func("/object/type-registry", test_type_registry);
    g_test_add_func("/object/interface-dispatch", test_interface_dispatch);
    g_test_add_func("/object/new-errors", test_new_errors);
    g_test_add_func("/object/bad-cast", test_bad_cast);
    g_test_add_func("/object/dynamic-cast", test_dynamic_cast);
    g_test_add_func("/object/refcount-finalize", test_refcount_finalize);
    g_test_add_func("/object/tree-paths", test_tree_paths);
    g_test_add_func("/object/tree-errors", test_tree_errors);
    g_test_add_func("/device/realize", test_device_realize);
    g_test_add_func("/device/realize-failure", test_device_realize_failure);
    g_test_add_func("/device/reset-tree", test_device_reset_tree);
    return g_test_run();
}
