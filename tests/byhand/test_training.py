"""Does every student get an XOR run of their own, reproducible from their id alone?"""

import torch

from byhand.training import NO_STUDENT_SEED, seed_sentence, student_seed
from byhand.xor import init_xor


def test_each_id_gets_its_own_seed_never_the_model_answers():
    """Do 2000 ids give 2000 different seeds, none the model answer's, the same on every call?"""
    ids = [f"student{n:04d}" for n in range(2000)]
    seeds = [student_seed(i) for i in ids]
    assert len(set(seeds)) == len(ids) and NO_STUDENT_SEED not in seeds
    assert seeds == [student_seed(i) for i in ids]
    assert all(0 < s < 2**31 for s in seeds)


def test_attempts_give_further_seeds_and_no_id_falls_back_to_the_model_answer():
    """Are attempt 1, 2 new seeds for the same id, and does a notebook without an id get
    the model answer's seed with a sentence saying what to do?"""
    assert len({student_seed("alice", a) for a in range(3)}) == 3
    assert student_seed(None) == student_seed("") == NO_STUDENT_SEED
    assert "type your student id" in seed_sentence(None, NO_STUDENT_SEED)
    assert seed_sentence("alice", student_seed("alice")) == (
        f"student id 'alice': SEED = {student_seed('alice')}")


def test_two_students_start_from_different_networks():
    """Do two ids draw different starting parameters (so their trained networks differ)?"""
    a = init_xor(torch.Generator().manual_seed(student_seed("alice")))
    b = init_xor(torch.Generator().manual_seed(student_seed("bob")))
    assert not all(torch.equal(a[k], b[k]) for k in a)
