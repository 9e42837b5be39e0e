def test_library_home_lists_categories(client, law_corpus):
    r = client.get("/laws/")
    assert r.status_code == 200
    assert "民法商法" in r.content.decode()


def test_law_page_has_toc_and_anchored_articles(client, law_corpus, django_assert_max_num_queries):
    with django_assert_max_num_queries(6):
        r = client.get("/laws/民法典/")
    body = r.content.decode()
    assert 'id="a1165"' in body and "第一千一百六十五条" in body
    assert "第一章 一般规定" in body


def test_article_page_has_paragraph_anchors_and_neighbours(client, law_corpus):
    r = client.get("/laws/民法典/1165/")
    body = r.content.decode()
    assert r.status_code == 200
    assert 'id="p1"' in body and 'id="p2"' in body
    assert "第一千一百六十六条" in body  # next article link


def test_zhi_yi_article_has_its_own_address(client, law_corpus):
    r = client.get("/laws/刑法/120-1/")
    assert "资助恐怖活动" in r.content.decode()


def test_unknown_article_is_404(client, law_corpus):
    assert client.get("/laws/民法典/9999/").status_code == 404


def test_future_version_is_marked(client, law_corpus):
    body = client.get("/laws/商标法/").content.decode()
    assert "起施行" in body
    assert "商标法-2019" in body or "%E5%95%86%E6%A0%87%E6%B3%95-2019" in body


def test_category_page_query_count_does_not_grow(client, law_corpus, django_assert_max_num_queries):
    with django_assert_max_num_queries(4):
        r = client.get("/laws/category/民法商法/")
    assert "民法典" in r.content.decode()
